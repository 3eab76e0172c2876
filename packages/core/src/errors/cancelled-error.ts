import { ThreadmillError } from "./threadmill-error.js";

/** The job was cancelled (or the caller's `signal` aborted) while work was in progress. */
export class CancelledError extends ThreadmillError {
  override readonly name = "CancelledError";
  readonly code = "CANCELLED";
  readonly jobId: string | undefined;

  constructor(fields: { jobId?: string; reason?: string } = {}) {
    super(
      `[threadmill] ${fields.jobId ? `job ${fields.jobId} ` : ""}cancelled${fields.reason ? `: ${fields.reason}` : ""}.`,
    );
    this.jobId = fields.jobId;
  }
}
