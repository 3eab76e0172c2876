import type { NewProgressEvent, ProgressEvent } from "./event.js";
import type { JobRef, Lease } from "./lease.js";

/** Options of `EventLog.read`. */
export interface EventReadOptions {
  /** At most this many events (an integer >= 1; a `reset` counts as one). @default 100 */
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
   * Appends one event and returns its id, which `read` orders after every id the job's log returned
   * before. Given a lease, the append is fenced (atomic with the check that the job is `running` under
   * that epoch). Given a `JobRef`, it is unfenced: meant for events of unclaimed jobs (`queued`).
   * Not idempotent: each call appends one event. The event is stored as `progressEventSchema` parses
   * it: unknown fields are dropped and a field given as `undefined` reads back absent.
   * @throws LeaseLostError when the lease's epoch was superseded or the job is no longer running, and
   * for either target when the job does not exist in that tenant; nothing is appended then.
   * @throws TypeError when the event does not follow `progressEventSchema`; nothing is appended then.
   */
  append(target: Lease | JobRef, event: NewProgressEvent): Promise<string>;
  /**
   * Up to `limit` events after `afterId` (an id this log returned for this job, or `null` for the
   * start), oldest first, so a reader that passes the last id it got sees every event exactly once.
   * When events after `afterId` (or, for `null`, any event) were trimmed by retention, the first
   * event returned is a `reset` carrying the job's current status, stage, progress, attempts and
   * epoch, then the retained events: never silence. A reset's `id` is a position too: reading after
   * it returns the retained events with no second reset (unless more were trimmed meanwhile). An
   * unknown job, or another tenant's, reads as empty. When nothing is there yet it waits up to
   * `waitMs` for the first new event (without busy-waiting when the adapter declares
   * `blockingRead`), then returns `[]`; an aborted `signal` ends the wait early with `[]` (or rejects
   * with an `AbortError`). Reads change nothing.
   */
  read(
    tenant: string,
    jobId: string,
    afterId: string | null,
    options?: EventReadOptions,
  ): Promise<ProgressEvent[]>;
}
