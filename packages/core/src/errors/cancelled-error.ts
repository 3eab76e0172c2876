import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.CANCELLED";
const symbol = Symbol.for(marker);

/** The job was cancelled (or the caller's `signal` aborted) while work was in progress. */
export class CancelledError extends ThreadmillError {
  override readonly name = "CancelledError";
  readonly code = "CANCELLED";
  readonly jobId: string | undefined;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a CancelledError, from any copy of the package. */
  static override isInstance(error: unknown): error is CancelledError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: { jobId?: string; reason?: string } = {}) {
    super(
      `[threadmill] ${fields.jobId ? `job ${fields.jobId} ` : ""}cancelled${fields.reason ? `: ${fields.reason}` : ""}.`,
    );
    this.jobId = fields.jobId;
  }
}
