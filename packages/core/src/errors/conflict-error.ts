import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.CONFLICT";
const symbol = Symbol.for(marker);

/**
 * A job could not be created because another one holds its place: an active job with the same
 * `singletonKey`, or an existing job with the same `idempotencyKey` but a different spec.
 */
export class ConflictError extends ThreadmillError {
  override readonly name = "ConflictError";
  readonly code = "CONFLICT";
  /** Id of the job that holds the key; follow it instead of submitting again. */
  readonly existingJobId: string;
  readonly key: "singletonKey" | "idempotencyKey";

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a ConflictError, from any copy of the package. */
  static override isInstance(error: unknown): error is ConflictError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: { existingJobId: string; key: "singletonKey" | "idempotencyKey"; tenant: string }) {
    super(
      `[threadmill] tenant ${fields.tenant}: job ${fields.existingJobId} already holds this ${fields.key}; follow that job (or wait for it to finish) instead of submitting again.`,
    );
    this.existingJobId = fields.existingJobId;
    this.key = fields.key;
  }
}
