import { type CleanupJobsOptions, type CleanupJobsResult, cleanupJobs } from "../admin/cleanup-jobs.js";
import { type Job, type JobSpec, TERMINAL_STATUSES } from "../ports/job.js";
import type { CreateJobResult } from "../ports/job-store.js";
import type { RecordStore } from "../ports/record-store.js";
import { createClaimLoops } from "./claim-loops.js";
import { type RunJobOptions, runJob } from "./run-job.js";
import { type RunnerOptions, resolveRunnerOptions } from "./runner-options.js";
import { assertSourceRef } from "./source-resolver.js";
import { type WorkOptions, type WorkResult, workSlice } from "./work-slice.js";
import { isChunkStore } from "./write-library.js";

/** A worker that runs jobs from the store: serverless slices, long-lived loops, or one named job. */
export interface Runner {
  readonly workerId: string;
  /**
   * Creates and enqueues a job (idempotent by `idempotencyKey`), and logs its `queued` event when
   * it was created. Throws `TypeError` for a pipeline this runner does not know, and
   * `JobConfigurationError` (`INVALID_INPUT`) for an input its kind's resolver `schema` rejects.
   */
  submit(spec: JobSpec): Promise<CreateJobResult>;
  /**
   * Serves one serverless invocation: claims and works jobs until nothing is claimable or the
   * deadline (minus the margin) comes; never starts a unit it cannot finish by then; checkpoints
   * and releases an unfinished job due at once (no `runAt`: the store's clock decides "now").
   */
  work(options?: WorkOptions): Promise<WorkResult>;
  /** Starts a long-lived worker with `concurrency` claim loops (default 1). Returns at once. */
  start(options?: { readonly concurrency?: number }): void;
  /**
   * Stops claiming, lets each running unit finish within `graceMs` (default 10000; then aborts it),
   * and releases every job due at once (by the store's clock) so another worker resumes it at once.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
  /**
   * Runs one job in this process until it ends (the CLI's `import`): claims it by name, waiting
   * while another worker's lease on it is live, retries after delays, and returns the final job
   * record; `null` when the job does not exist. When `signal` aborts, it releases the job (checkpoint
   * kept) and returns the job as it then is.
   */
  run(tenant: string, jobId: string, options?: RunJobOptions): Promise<Job | null>;
  /** `jobs.requestCancel`: a running job stops at its worker's next heartbeat or checkpoint. */
  cancel(tenant: string, jobId: string): Promise<Job | null>;
  /**
   * `jobs.retry`: a failed or cancelled job goes back to the queue, checkpoint kept, and a `queued`
   * event (unfenced) is appended after its old terminal event, so SSE clients and `run({ onEvent })`
   * follow it again. A job in another status is returned unchanged and logs nothing; two concurrent
   * retries of one job may both log `queued`.
   */
  retry(tenant: string, jobId: string): Promise<Job | null>;
  /**
   * `jobs.purge`, plus the job's records in sinks held by another store. A user's own `ChunkSink`
   * is not told (threadmill keeps no record of what it wrote there): it purges itself.
   */
  purge(tenant: string, jobId: string): Promise<boolean>;
  /**
   * `jobs.purgeTenant` ("forget me"): every job of the tenant and its records, also in sinks held by
   * another store. Returns the number of jobs deleted. A user's own `ChunkSink` purges itself. Idempotent.
   */
  purgeTenant(tenant: string): Promise<number>;
  /**
   * Retention (`cleanupJobs`): every tenant's jobs that finished at least `olderThanMs` ago, with
   * their events, checkpoints and the records neither the tenant's library nor another job holds,
   * also in sinks held by another store. Needs the store's `admin`. Safe beside running workers.
   */
  cleanup(options: Omit<CleanupJobsOptions, "sinks">): Promise<CleanupJobsResult>;
}

/**
 * Creates a job runner over a store's ports: durable, resumable, fenced. Leases are renewed on a
 * timer, units yield to the event loop, outputs are written idempotently before the checkpoint
 * advances, errors are retried with backoff or end the job, and every job reaches a terminal status.
 * @example
 * const runner = createRunner({ store: createMemoryAdapter(), pipelines: { import: createImportPipeline() } });
 * const { job } = await runner.submit({ tenant: "u1", pipeline: "import", input: { kind: "file", path: "conversations.json" } });
 * await runner.work({ deadline: Date.now() + 55_000 }); // one serverless invocation
 */
export function createRunner(options: RunnerOptions): Runner {
  const context = resolveRunnerOptions(options);
  const { store, conversationSink, chunkSink, factSink, librarySink } = context;
  const loops = createClaimLoops(context);
  // The sinks held by another store than `store`, which its purge and cleanup cannot reach. A user's
  // own `ChunkSink` is not among them: threadmill keeps no record of what it wrote there.
  const separateSinks: RecordStore<{ readonly id: string }>[] = [];
  if (conversationSink !== store.conversations) separateSinks.push(conversationSink);
  if (chunkSink !== store.chunks && isChunkStore(chunkSink)) separateSinks.push(chunkSink);
  if (factSink && factSink !== store.facts) separateSinks.push(factSink);
  if (librarySink && librarySink !== store.library) separateSinks.push(librarySink);
  return {
    workerId: context.workerId,

    async submit(spec) {
      if (!options.pipelines[spec.pipeline]) {
        throw new TypeError(
          `[threadmill] unknown pipeline "${spec.pipeline}"; this runner has: ${Object.keys(options.pipelines).join(", ") || "none"}.`,
        );
      }
      assertSourceRef(context.sources[spec.input?.kind], spec.input, "the job");
      const result = await store.jobs.create(spec);
      if (result.created) {
        await store.events.append(
          { tenant: result.job.tenant, jobId: result.job.id },
          { type: "queued", status: "queued", attempt: 0, epoch: 0, at: Date.now() },
        );
      }
      return result;
    },

    work: (workOptions) => workSlice(context, workOptions),
    start: (startOptions) => loops.start(startOptions),
    stop: (stopOptions) => loops.stop(stopOptions),
    run: (tenant, jobId, runOptions) => runJob(context, tenant, jobId, runOptions),
    cancel: (tenant, jobId) => store.jobs.requestCancel(tenant, jobId),

    async retry(tenant, jobId) {
      const before = await store.jobs.get(tenant, jobId);
      if (!before) return null;
      const job = await store.jobs.retry(tenant, jobId);
      if (job && TERMINAL_STATUSES.has(before.status) && job.status === "queued") {
        await store.events.append(
          { tenant, jobId },
          { type: "queued", status: "queued", message: "retried", attempt: 0, epoch: 0, at: Date.now() },
        );
      }
      return job;
    },

    async purge(tenant, jobId) {
      const purged = await store.jobs.purge(tenant, jobId);
      for (const sink of separateSinks) await sink.purgeJob(tenant, jobId);
      return purged;
    },

    cleanup: (cleanupOptions) => cleanupJobs(store, { ...cleanupOptions, sinks: separateSinks }),

    async purgeTenant(tenant) {
      const purged = await store.jobs.purgeTenant(tenant);
      for (const sink of separateSinks) await sink.purgeTenant(tenant);
      return purged;
    },
  };
}
