import type { JsonValue } from "../util/json.js";
import type { Lease } from "./lease.js";

/** A job's saved position: the stage in progress, each stage's cursor, and the running totals. */
export interface Checkpoint {
  /** The stage in progress (or the last one, once all are done). */
  readonly stage: string;
  /** Each stage's cursor, opaque JSON owned by the stage; a stage not yet started has none. */
  readonly cursors: Readonly<Record<string, JsonValue>>;
  /** Stages finished, in order. */
  readonly completed: readonly string[];
  /** Running totals; copied onto the job record (`Job.counts`) in the same atomic step. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Where a job's stage cursors live between units of work. */
export interface CheckpointStore {
  /** The job's last saved checkpoint, or `null` if none was ever saved (or the job is another tenant's). Never throws for a missing job. */
  load(tenant: string, jobId: string): Promise<Checkpoint | null>;
  /**
   * Replaces the checkpoint atomically, only while `lease.epoch` is the job's current epoch. In the
   * same atomic step it sets the job's `stage` and `counts` from the checkpoint and resets
   * `attempts` to 0 (the job made progress).
   * @throws LeaseLostError when a newer epoch exists (or the job is gone); nothing is written then.
   */
  save(lease: Lease, checkpoint: Checkpoint): Promise<void>;
}
