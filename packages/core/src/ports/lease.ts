/**
 * The right to work on one job, handed out by `Queue.claim`. Every write made under it is fenced:
 * rejected with `LeaseLostError` once a newer epoch exists.
 */
export interface Lease {
  readonly tenant: string;
  readonly jobId: string;
  /** Fencing token, strictly increasing per job across claims. */
  readonly epoch: number;
  readonly workerId: string;
  /** Epoch ms on the store's clock, never the worker's. */
  readonly expiresAt: number;
}

/** Addresses one job without a lease (for unfenced writes such as a `queued` event). */
export interface JobRef {
  readonly tenant: string;
  readonly jobId: string;
}
