import { redactSecrets } from "../util/redact.js";
import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.PROVIDER";
const symbol = Symbol.for(marker);

/**
 * The LLM provider refused a request for good (a 400, 401, 403, 404, 413: a bad key, an unknown
 * model, a request too large) or kept failing past the retries. Retriable only for the statuses
 * that may pass later (408, 409, 429, 5xx, a failed connection). The message never carries the key.
 */
export class ProviderError extends ThreadmillError {
  override readonly name = "ProviderError";
  readonly code = "PROVIDER";
  override readonly retriable: boolean;
  /** The HTTP status, or `null` when the connection failed before an answer. */
  readonly status: number | null;
  /** The provider's error type, such as `authentication_error`, when it said. */
  readonly type: string | null;
  /** The wait the provider asked for, in ms (0 when it did not). */
  readonly retryAfterMs: number;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a ProviderError, from any copy of the package. */
  static override isInstance(error: unknown): error is ProviderError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: {
    provider: string;
    status: number | null;
    type?: string | null;
    retriable: boolean;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    const detail = fields.cause instanceof Error ? fields.cause.message : String(fields.cause ?? "");
    super(
      redactSecrets(
        `[threadmill] [${fields.provider}] ${fields.status === null ? "no answer" : `HTTP ${fields.status}`}${fields.type ? ` ${fields.type}` : ""}: ${detail}`,
      ),
      { cause: fields.cause },
    );
    this.status = fields.status;
    this.type = fields.type ?? null;
    this.retriable = fields.retriable;
    this.retryAfterMs = fields.retryAfterMs ?? 0;
  }
}
