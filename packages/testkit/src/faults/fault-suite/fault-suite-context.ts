import { type Adapter, createRunner, type Pipeline, type Runner } from "@threadmill/core";
import { syntheticChunks, syntheticSource } from "../synthetic-pipeline.js";

/** The one tenant every fault case submits its jobs for. */
export const TENANT = "fault-suite";
/** Properties run real leases and slices: on a loaded CI machine they take many times their usual few seconds. */
export const PROPERTY_TIMEOUT_MS = 180_000;
/** The store calls that write: a zombie must get none of them through after its lease was taken. */
export const WRITES =
  /^(chunks\.upsert|conversations\.upsert|checkpoints\.save|events\.append|jobs\.transition|queue\.(release|complete|deadLetter|extend))$/;

/** The sorted chunk ids an uninterrupted synthetic run of `items` items writes. */
export const expectedIds = (items: number, chunksPerItem = 3) =>
  Array.from({ length: items }, (_, i) => syntheticChunks(i, chunksPerItem).map((c) => c.id))
    .flat()
    .sort();

/** What every fault case group gets: the suite's settings, and runners and jobs on adapters it closes. */
export interface FaultSuiteContext {
  /** Lease length of the runners under test (ms). */
  readonly leaseMs: number;
  /** fast-check runs of each property. */
  readonly numRuns: number;
  /** A fresh adapter from the suite's factory, closed after the test by `closeOpened`. */
  readonly create: () => Promise<Adapter>;
  /** A runner of the synthetic source and `pipeline` on `store`, with the suite's short lease and retry timing. */
  readonly runnerOn: (store: Adapter, pipeline: Pipeline, extra?: { deadlineMarginMs?: number }) => Runner;
  /** Submits a synthetic job for the suite's tenant and returns its id. */
  readonly submit: (store: Adapter, pipeline: Pipeline, maxAttempts?: number) => Promise<string>;
  /** The ids of the chunks `jobId` wrote. */
  readonly chunkIds: (store: Adapter, jobId: string) => Promise<string[]>;
  /** Waits `ms` of real time. */
  readonly delay: (ms: number) => Promise<unknown>;
  /** Closes every adapter `create` handed out since the last call. */
  readonly closeOpened: () => Promise<void>;
}

/** Builds the context every fault case group shares, from the suite's options with their defaults applied. */
export function createFaultSuiteContext(options: {
  readonly create: () => Promise<Adapter>;
  readonly leaseMs: number;
  readonly numRuns: number;
}): FaultSuiteContext {
  const { leaseMs, numRuns } = options;
  const renewEveryMs = Math.round(leaseMs / 3);
  const opened: Adapter[] = [];
  const create = async () => {
    const adapter = await options.create();
    opened.push(adapter);
    return adapter;
  };
  const runnerOn = (store: Adapter, pipeline: Pipeline, extra: { deadlineMarginMs?: number } = {}): Runner =>
    createRunner({
      store,
      pipelines: { synthetic: pipeline },
      sources: { synthetic: syntheticSource },
      leaseMs,
      renewEveryMs,
      pollMs: 20,
      retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
      ...extra,
    });
  const submit = async (store: Adapter, pipeline: Pipeline, maxAttempts?: number) =>
    (
      await runnerOn(store, pipeline).submit({
        tenant: TENANT,
        pipeline: "synthetic",
        input: { kind: "synthetic" },
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      })
    ).job.id;
  const chunkIds = async (store: Adapter, jobId: string) =>
    (await store.chunks.list(TENANT, { jobId, limit: 100_000 })).map((c) => c.id);
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const closeOpened = async () => {
    for (const adapter of opened.splice(0)) await adapter.close();
  };
  return { leaseMs, numRuns, create, runnerOn, submit, chunkIds, delay, closeOpened };
}
