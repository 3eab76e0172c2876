import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.LEASE_LOST";
const symbol = Symbol.for(marker);

/** A write was made under a lease whose epoch has been superseded: another worker owns the job now. */
export class LeaseLostError extends ThreadmillError {
  override readonly name = "LeaseLostError";
  readonly code = "LEASE_LOST";
  override readonly retriable = true;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a LeaseLostError, from any copy of the package. */
  static override isInstance(error: unknown): error is LeaseLostError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(
    readonly jobId: string,
    readonly epoch: number,
    /** The job's current epoch, or `null` when the store cannot tell (the job was purged, say). */
    readonly currentEpoch: number | null,
  ) {
    super(
      `[threadmill] job ${jobId}: lease epoch ${epoch} was superseded${currentEpoch === null ? "" : ` by ${currentEpoch}`}; another worker owns it now, stop this unit.`,
    );
  }
}
