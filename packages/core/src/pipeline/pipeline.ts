import type { Chunk } from "../chunk/chunk.js";
import type { Fact } from "../facts/fact.js";
import type { LibraryWrites } from "../library/library-writes.js";
import type { LibraryStore } from "../ports/library-store.js";
import type { Job, JobProgress } from "../ports/job.js";
import type { Lease } from "../ports/lease.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import type { Source } from "../ports/source.js";
import type { ModelUsage } from "../telemetry/model-usage.js";
import type { JsonObject, JsonValue } from "../util/json.js";

/** What a stage sees when it opens for one claim of a job. */
export interface StageContext {
  readonly job: Job;
  /** The job's pipeline options (`JobSpec.options`). */
  readonly options: JsonObject;
  /** The job's input, resolved from its `SourceRef` by the runner's `sources`. */
  readonly source: Source;
  /** Aborts when the lease is lost, the job is cancelled, the worker stops or the deadline comes. */
  readonly signal: AbortSignal;
  /**
   * The tenant's library (the runner's `sink.library`, else its store's), which the import stage
   * reads to tell unchanged conversations from changed ones; absent when the store has none.
   */
  readonly library?: LibraryStore;
  /**
   * Tells the runner what a model call consumed, for its `threadmill.llm.*` metrics (the facts stage
   * calls it for every answer); absent when nothing records it.
   */
  readonly recordUsage?: (usage: ModelUsage) => void;
}

/** What one unit of work sees. */
export interface UnitContext extends StageContext {
  /** The current lease (renewed in the background). */
  readonly lease: Lease;
  /**
   * A cooperative yield point: cheap to call often (between conversations, between chunks); really
   * yields to the event loop once the runner's `yieldEveryMs` passed, so the lease heartbeat runs and
   * the store's replies to the previous unit's writes are answered.
   * Throws the abort reason once `signal` aborted.
   */
  yield(): Promise<void>;
  /**
   * Epoch ms (this worker's clock) by which the unit should return (a batch ends early then);
   * `Infinity` when there is no deadline. A unit still running at the hard limit is aborted.
   */
  readonly endBy: number;
}

/** What a unit returns: where the stage stands after it, and the outputs the runner writes before checkpointing. */
export interface UnitResult<C = JsonValue> {
  /** The stage's cursor after this unit (JSON-serializable); saved in the checkpoint once the outputs are written. */
  readonly cursor: C;
  /** `true` when the stage has nothing left after this unit. */
  readonly done: boolean;
  /** Amounts to add to the job's running totals (`conversations`, `messages`, `chunks`, `issues`, ...). */
  readonly counts?: Readonly<Record<string, number>>;
  /** Progress within the stage after this unit. */
  readonly progress?: JobProgress;
  /**
   * Writes `progress` to the job now rather than when the throttle allows: the stage is about to
   * stop (its next unit throws), and the job's record must say how far it got.
   */
  readonly flushProgress?: boolean;
  /** Conversations to upsert (idempotent by id) before the checkpoint advances. */
  readonly conversations?: readonly StoredConversation[];
  /** Chunks to upsert (idempotent by id) before the checkpoint advances. */
  readonly chunks?: readonly Chunk[];
  /**
   * Epoch ms (this worker's clock) before which the stage has nothing to do (it waits on a Message
   * Batch, say): the runner releases the job until then, without holding a worker or spending an
   * attempt. Ignored when `done`.
   */
  readonly wakeAt?: number;
  /** Facts to upsert (idempotent by id; the stage merged them with what was stored) before the checkpoint advances. */
  readonly facts?: readonly Fact[];
  /** The library's changes (a re-import's holds and swaps), written after the records, before the checkpoint. */
  readonly library?: LibraryWrites;
}

/** A stage opened for one claim: hands out units until it is done. */
export interface StageRun<C = JsonValue> {
  /** Does the next unit of work. Must not write outputs itself: it returns them. */
  next(context: UnitContext): Promise<UnitResult<C>>;
  /** Releases what `open` acquired (a file handle, a stream). Called once, also after a failed unit. */
  close?(): Promise<void> | void;
}

/** A named step of a pipeline that owns a cursor (opaque JSON) and works in units. */
export interface Stage<C = JsonValue> {
  readonly name: string;
  /**
   * Opens the stage at `cursor` (`null`: from its start). Called once per claim, and again after a
   * unit failed (a failed unit repeats from the last saved cursor).
   */
  open(context: StageContext, cursor: C | null): Promise<StageRun<C>> | StageRun<C>;
}

/** An ordered list of stages; jobs name it by the key it is registered under in `createRunner({ pipelines })`. */
export interface Pipeline {
  // biome-ignore lint/suspicious/noExplicitAny: stages own differently typed cursors.
  readonly stages: readonly Stage<any>[];
}
