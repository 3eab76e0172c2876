import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.EXPORT_FORMAT";
const symbol = Symbol.for(marker);

/** Why an input is unusable as a whole. */
export type ExportFormatReason =
  | "not-json"
  | "unknown-format"
  | "truncated"
  | "empty-input"
  | "unsafe-archive"
  | "no-conversations-file"
  | "unreadable"
  /** A resume cursor does not point at a conversation boundary of this export (the input changed). */
  | "cursor-mismatch"
  /** A batch ZIP listed by Claude's export index cannot be downloaded (404, expired link): download the batches and import them. */
  | "manifest-unreachable";

/**
 * The input cannot be read as a ChatGPT or Claude.ai export at all. Never retried: the same bytes
 * fail the same way. A single malformed conversation is reported as a `ParseIssue` instead.
 */
export class ExportFormatError extends ThreadmillError {
  override readonly name = "ExportFormatError";
  readonly code = "EXPORT_FORMAT";
  readonly reason: ExportFormatReason;
  /** Byte offset in the decoded entry where reading stopped, when known. */
  readonly offset: number | undefined;
  /** The ZIP entry or shard the problem is in, when there is one. */
  readonly entry: string | undefined;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a ExportFormatError, from any copy of the package. */
  static override isInstance(error: unknown): error is ExportFormatError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(
    message: string,
    fields: { reason: ExportFormatReason; offset?: number; entry?: string; cause?: unknown },
  ) {
    super(`[threadmill] ${message}`, { cause: fields.cause });
    this.reason = fields.reason;
    this.offset = fields.offset;
    this.entry = fields.entry;
  }
}
