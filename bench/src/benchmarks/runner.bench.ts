// The durable runner's cost and its recovery time. (1) A generated 100 MB ChatGPT export imported
// through createRunner + createImportPipeline on the memory adapter (leases, heartbeats, unit
// checkpoints, events, idempotent upserts of every conversation and chunk) against readExport +
// createChunker called directly in the same process shape: goal overhead <= 10 %. (2) A zombie: a
// worker claims a job with the default 15 s lease and dies; a second worker with the default 1 s
// polling is already running: how long after the lease's expiry does it claim the job (goal <= 1 s)?
// The input is shared with parse.bench.ts (PARSE_BENCH_DIR, default /tmp/threadmill-bench).
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import {
  createChunker,
  createImportPipeline,
  createRunner,
  readExport,
  type Stage,
} from "@threadmill/core/node";
import { type GenerateExportOptions, generateExportToFile } from "@threadmill/testkit";
import { defineBenchmark } from "../harness.js";

const DIR = process.env.PARSE_BENCH_DIR ?? "/tmp/threadmill-bench";
const INPUT: GenerateExportOptions = {
  format: "chatgpt-json",
  seed: 100,
  targetBytes: 100e6,
  longConversations: 5,
  truth: "counts",
};

async function input(): Promise<{ path: string; mb: number }> {
  const path = `${DIR}/conv100.json`;
  if (!existsSync(path)) {
    mkdirSync(DIR, { recursive: true });
    await generateExportToFile(`${path}.partial.${process.pid}`, INPUT);
    if (!existsSync(path)) renameSync(`${path}.partial.${process.pid}`, path);
  }
  return { path, mb: statSync(path).size / 1e6 };
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** Sinks that drop what they are given: what the runner itself costs, without a store's copies. */
const discard = {
  chunks: { async upsert() {} },
  conversations: {
    fenced: false,
    async upsert() {},
    async list() {
      return [];
    },
    async get() {
      return [];
    },
    async count() {
      return 0;
    },
    async updateMembership() {},
    async purgeJob() {},
    async purgeTenant() {},
  },
} as const;

async function direct() {
  const { path, mb } = await input();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const chunker = createChunker();
  let conversations = 0;
  let chunks = 0;
  for await (const conversation of readExport(path)) {
    conversations++;
    for (const _ of chunker.chunk(conversation)) chunks++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, "cpu s": cpuSeconds(cpu), "MB/s": mb / seconds, conversations, chunks };
}

async function throughRunner(sinks: "memory" | "discard") {
  const { path, mb } = await input();
  const store = createMemoryAdapter();
  const runner = createRunner({
    store,
    pipelines: { import: createImportPipeline() },
    ...(sinks === "discard" ? { sink: discard } : {}),
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { job } = await runner.submit({ tenant: "bench", pipeline: "import", input: { kind: "file", path } });
  const result = await runner.work();
  const seconds = (performance.now() - started) / 1000;
  const done = await store.jobs.get("bench", job.id);
  if (done?.status !== "succeeded") throw new Error(`job ended ${done?.status}: ${done?.error?.message}`);
  const events = await store.events.read("bench", job.id, null, { limit: 100_000 });
  return {
    seconds,
    "cpu s": cpuSeconds(cpu),
    "MB/s": mb / seconds,
    conversations: done.counts.conversations ?? 0,
    chunks: done.counts.chunks ?? 0,
    units: result.runs[0]?.units ?? 0,
    events: events.length,
  };
}

async function zombieRecovery() {
  const store = createMemoryAdapter();
  const pipelines = {
    noop: { stages: [{ name: "noop", open: () => ({ next: async () => ({ cursor: 1, done: true }) }) }] },
  };
  const sources = {
    none: () => ({
      name: "none",
      open: async () => ({ stream: new ReadableStream<Uint8Array>(), size: 0, offset: 0 }),
    }),
  };
  const rescuer = createRunner({ store, pipelines, sources });
  const { job } = await rescuer.submit({ tenant: "bench", pipeline: "noop", input: { kind: "none" } });
  // The zombie: claims with the default 15 s lease, then never renews, releases or finishes.
  const claim = await store.queue.claim("zombie", 15_000);
  if (!claim) throw new Error("no claim");
  const expiresAt = claim.lease.expiresAt;
  rescuer.start();
  let claimedAt = 0;
  for (;;) {
    const current = await store.jobs.get("bench", job.id);
    if (current && current.epoch >= 2) {
      claimedAt = claimedAt || Date.now();
      if (current.status === "succeeded") break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await rescuer.stop();
  const afterExpiry = claimedAt - expiresAt;
  return {
    "claim after expiry ms": afterExpiry,
    "dead worker to claim s": (claimedAt - (expiresAt - 15_000)) / 1000,
  };
}

/**
 * SIGTERM hand-back: worker A runs a job of 200 ms CPU units (yielding every 20 ms); worker B idles
 * with default polling. A.stop() (what a SIGTERM handler calls) lets the unit finish, releases the
 * job with runAt = now; how long until B holds it? A crash would instead cost the whole lease.
 */
async function sigtermHandBack() {
  const store = createMemoryAdapter();
  const stage: Stage<number> = {
    name: "burn",
    open: (_ctx, cursor) => {
      let n = cursor ?? 0;
      return {
        async next(unit) {
          const until = performance.now() + 200;
          while (performance.now() < until) {
            const slice = performance.now() + 20;
            while (performance.now() < slice) {
              // CPU-bound work
            }
            await unit.yield();
          }
          n += 1;
          return { cursor: n, done: n >= 10_000 };
        },
      };
    },
  };
  const pipelines = { burn: { stages: [stage] } };
  const sources = {
    none: () => ({
      name: "none",
      open: async () => ({ stream: new ReadableStream<Uint8Array>(), size: 0, offset: 0 }),
    }),
  };
  const a = createRunner({ store, pipelines, sources });
  const b = createRunner({ store, pipelines, sources });
  const { job } = await a.submit({ tenant: "bench", pipeline: "burn", input: { kind: "none" } });
  a.start();
  await new Promise((r) => setTimeout(r, 1_500));
  b.start();
  await new Promise((r) => setTimeout(r, 500));
  const stopAt = performance.now();
  let stoppedAt = 0;
  const stopping = a.stop().then(() => {
    stoppedAt = performance.now();
  });
  let claimedAt = 0;
  while (!claimedAt) {
    const current = await store.jobs.get("bench", job.id);
    if (current && current.epoch >= 2) claimedAt = performance.now();
    else await new Promise((r) => setTimeout(r, 2));
  }
  await stopping;
  await b.stop({ graceMs: 0 });
  return {
    "stop() returned ms": stoppedAt - stopAt,
    "SIGTERM to claim by another worker ms": claimedAt - stopAt,
  };
}

export default defineBenchmark({
  description:
    "100 MB ChatGPT export: createRunner + createImportPipeline on the memory adapter vs readExport + createChunker directly; zombie lease expiry to reclaim at default lease/polling",
  runs: Number(process.env.RUNNER_BENCH_RUNS ?? 3),
  baseline: "parser + chunker directly",
  higherIsBetter: {
    "MB/s": true,
    seconds: false,
    "cpu s": false,
    "claim after expiry ms": false,
    "dead worker to claim s": false,
    "stop() returned ms": false,
    "SIGTERM to claim by another worker ms": false,
  },
  setup: () => input(),
  cases: {
    "parser + chunker directly": { run: () => direct() },
    "runner, memory adapter": { run: () => throughRunner("memory") },
    "runner, discarding sinks": { run: () => throughRunner("discard") },
    "zombie recovery (15 s lease, 1 s poll)": { run: () => zombieRecovery() },
    "SIGTERM hand-back (200 ms units, 1 s poll)": { run: () => sigtermHandBack() },
  },
  goals: {
    "runner seconds (and cpu s) vs direct": "<= 1.10x",
    "claim after expiry ms": "<= 1000",
  },
});
