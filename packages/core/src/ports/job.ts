import type { JsonObject, JsonValue } from "../util/json.js";

/** `queued -> running -> succeeded | failed | cancelled`; `running -> queued` for yields and retries. */
export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** The statuses a job never leaves except through `retry`. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Where a job's input lives, as plain JSON so a job submitted in one process runs in another. The
 * worker turns it into a `Source` with the resolver registered for its `kind`.
 */
export type SourceRef =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "supabase"; readonly bucket: string; readonly path: string }
  | { readonly kind: string; readonly [key: string]: JsonValue };

/** A serializable job submission. */
export interface JobSpec {
  /** The end user the job belongs to; every record of the job carries it. */
  readonly tenant: string;
  /** Name of the pipeline that runs the job, for example `"import"`. */
  readonly pipeline: string;
  readonly input: SourceRef;
  /** Pipeline options (JSON). @default {} */
  readonly options?: JsonObject;
  /** A repeated key returns the existing job instead of creating another. */
  readonly idempotencyKey?: string;
  /** At most one active (queued or running) job per `(tenant, singletonKey)`. */
  readonly singletonKey?: string;
  /** Higher runs first among due jobs. @default 0 */
  readonly priority?: number;
  /** Attempts without progress before the job is dead-lettered. @default 5 */
  readonly maxAttempts?: number;
  /** Not claimable before this time (epoch ms, store clock). @default now */
  readonly runAt?: number;
}

/** What made a job fail, as stored on the job record. */
export interface JobError {
  readonly code: string;
  readonly name: string;
  readonly message: string;
  readonly retriable: boolean;
}

/** Progress within the current stage. */
export interface JobProgress {
  readonly done: number;
  readonly total: number | null;
  /** What `done` counts: `"bytes"`, `"conversations"`, ... */
  readonly unit: string | null;
}

/** The job record: the single source of truth for status, progress, counts and result. */
export interface Job {
  readonly id: string;
  readonly tenant: string;
  readonly pipeline: string;
  readonly input: SourceRef;
  readonly options: JsonObject;
  readonly idempotencyKey: string | null;
  readonly singletonKey: string | null;
  readonly priority: number;
  readonly maxAttempts: number;
  readonly status: JobStatus;
  /**
   * Claims since the job last advanced its checkpoint (a checkpoint save resets it to 0, a claim adds
   * 1). A job that keeps moving survives any number of crashes; a crash loop reaches `maxAttempts`.
   */
  readonly attempts: number;
  /** Fencing token: incremented by every claim. 0 before the first claim. */
  readonly epoch: number;
  /** Earliest claim time, epoch ms (store clock). */
  readonly runAt: number;
  /** The current lease's holder and expiry (epoch ms, store clock); `null` when not running. */
  readonly workerId: string | null;
  readonly leaseExpiresAt: number | null;
  readonly cancelRequested: boolean;
  readonly stage: string | null;
  readonly progress: JobProgress | null;
  /** Running totals written with each checkpoint: `conversations`, `messages`, `chunks`, `issues`, ... */
  readonly counts: Readonly<Record<string, number>>;
  readonly result: JsonValue | null;
  readonly error: JobError | null;
  /** Epoch ms (store clock). */
  readonly createdAt: number;
  /** Epoch ms (store clock) of the last change; a claim or `extend` sets it to the time the lease is measured from. */
  readonly updatedAt: number;
  readonly finishedAt: number | null;
}
