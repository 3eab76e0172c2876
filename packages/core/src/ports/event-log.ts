import type { NewProgressEvent, ProgressEvent } from "./event.js";
import type { JobRef, Lease } from "./lease.js";

/** Options of `EventLog.read`. */
export interface EventReadOptions {
  /** At most this many events. @default 100 */
  readonly limit?: number;
  /** When nothing is there yet, wait up to this long (ms) for the first new event. @default 0 */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * A job's durable, ordered progress events. Trimmed by retention (per job), never held in a
 * producer's memory.
 */
export interface EventLog {
  /**
   * Appends one event and returns its id, greater than every earlier id of the job. Given a lease,
   * the append is fenced (atomic with the epoch check). Given a `JobRef`, it is unfenced: only for
   * events of unclaimed jobs (`queued`, `cancelled`).
   * @throws LeaseLostError when the lease's epoch was superseded; nothing is appended then.
   */
  append(target: Lease | JobRef, event: NewProgressEvent): Promise<string>;
  /**
   * Events after `afterId` (`null`: from the oldest retained), oldest first, each once. When
   * `afterId` was trimmed away by retention, the first event returned is a `reset` carrying the job's
   * current status, stage and progress, followed by the retained events. An unknown job, or another
   * tenant's, reads as empty. Long-polls up to `waitMs` when nothing is there yet.
   */
  read(
    tenant: string,
    jobId: string,
    afterId: string | null,
    options?: EventReadOptions,
  ): Promise<ProgressEvent[]>;
}
