// The Redis adapter's queue against BullMQ 6 on the same private redis-server, in the same run:
// claim + complete of no-op jobs (jobs/s at concurrency 1 and 16), Redis round trips per job (counted
// in the client: one per command sent alone, one per pipeline flush), the runner's own overhead per
// job, dead-worker recovery with default settings (SIGKILL mid-job, a second worker takes over), no
// false stall of a live CPU-busy worker, and SIGTERM hand-back time. Each case starts its own
// redis-server on a free port (the shared 6379 is busy with other tests) and stops it afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createBytesSource, createRunner, type Pipeline } from "@threadmill/core";
import { createRedisAdapter } from "@threadmill/adapter-redis";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import {
  createSyntheticPipeline,
  syntheticSource,
} from "../../../packages/testkit/src/faults/synthetic-pipeline.js";
import { type BenchmarkCase, defineBenchmark, type Metrics } from "../harness.js";
import { withRedis } from "./private-redis.js";
import { redisRoundTrips } from "./redis-round-trips.js";

const JOBS = 2000;
const thisFile = fileURLToPath(import.meta.url);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- throughput ------------------------------------------------------------------------------------
async function bullmqThroughput(concurrency: number): Promise<Metrics> {
  return withRedis(async (port) => {
    const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
    const queue = new Queue("bench", { connection });
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: "noop", data: { i } })));
    let done = 0;
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });
    const trips0 = redisRoundTrips();
    const started = performance.now();
    const worker = new Worker("bench", async () => {}, { connection, concurrency });
    worker.on("completed", () => {
      if (++done === JOBS) resolveAll();
    });
    await all;
    const seconds = (performance.now() - started) / 1000;
    const trips = redisRoundTrips() - trips0;
    await worker.close();
    await queue.close();
    return { "jobs/s": JOBS / seconds, "round trips/job": trips / JOBS };
  });
}

async function adapterThroughput(concurrency: number, fastPath: boolean): Promise<Metrics> {
  return withRedis(async (port) => {
    const client = new Redis({ port });
    const store = createRedisAdapter({ client, keyPrefix: "bench" });
    for (let i = 0; i < JOBS; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          store.jobs.create({ tenant: "t", pipeline: "noop", input: { kind: "none" } }),
        ),
      );
    }
    const trips0 = redisRoundTrips();
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, n) => {
        const workerId = `w${n}`;
        let claim = await store.queue.claim(workerId, 30_000);
        while (claim) {
          if (fastPath) {
            claim = (
              await store.queue.completeAndClaim(
                claim.lease,
                { status: "succeeded" },
                { workerId, leaseMs: 30_000 },
              )
            ).next;
          } else {
            await store.queue.complete(claim.lease, { status: "succeeded" });
            claim = await store.queue.claim(workerId, 30_000);
          }
          done++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const trips = redisRoundTrips() - trips0;
    await store.close();
    client.disconnect();
    if (done !== JOBS) throw new Error(`processed ${done} of ${JOBS}`);
    return { "jobs/s": JOBS / seconds, "round trips/job": trips / JOBS };
  });
}

const noopPipeline: Pipeline = {
  stages: [
    {
      name: "noop",
      open: () => ({ next: async () => ({ cursor: 1, done: true, counts: { items: 1 } }) }),
    },
  ],
};

async function runnerThroughput(concurrency: number): Promise<Metrics> {
  const jobs = 500;
  return withRedis(async (port) => {
    const client = new Redis({ port });
    const store = createRedisAdapter({ client, keyPrefix: "bench" });
    // The no-op stage never reads its source, but the job needs a resolver for its input's kind: without
    // one every job failed (UNKNOWN_SOURCE_KIND) and the case timed claim + dead-letter.
    const runner = createRunner({
      store,
      pipelines: { noop: noopPipeline },
      sources: { none: () => createBytesSource(new Uint8Array()) },
      pollMs: 50,
    });
    for (let i = 0; i < jobs; i++) {
      await store.jobs.create({ tenant: "t", pipeline: "noop", input: { kind: "none" } });
    }
    const trips0 = redisRoundTrips();
    const started = performance.now();
    runner.start({ concurrency });
    for (;;) {
      const left = await store.jobs.list("t", { status: ["queued", "running"], limit: 1 });
      if (left.length === 0) break;
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    const trips = redisRoundTrips() - trips0;
    await runner.stop();
    const succeeded = (await store.jobs.list("t", { status: ["succeeded"], limit: jobs })).length;
    await store.close();
    client.disconnect();
    if (succeeded !== jobs) throw new Error(`${succeeded} of ${jobs} jobs succeeded`);
    return { "jobs/s": jobs / seconds, "round trips/job": trips / jobs };
  });
}

// ---- worker processes (this file re-run with TM_BENCH_WORKER set) ----------------------------------
function spawnWorker(
  kind: "threadmill" | "threadmill-busy" | "bullmq",
  port: number,
  id: string,
): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, thisFile], {
    env: { ...process.env, TM_BENCH_WORKER: kind, TM_BENCH_PORT: String(port), TM_BENCH_ID: id },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** Resolves once the worker printed its ready line (its runner is polling). */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (data: string) => {
      if (data.includes("ready")) resolve();
    });
  });
}

if (process.env.TM_BENCH_WORKER) {
  const port = Number(process.env.TM_BENCH_PORT);
  const id = process.env.TM_BENCH_ID ?? "worker";
  if (process.env.TM_BENCH_WORKER === "bullmq") {
    // BullMQ with its defaults: a job that runs for minutes.
    new Worker("recovery", async () => sleep(600_000), {
      connection: { host: "127.0.0.1", port, maxRetriesPerRequest: null },
    });
  } else {
    // The runner with its defaults (15 s lease renewed every 5 s, 1 s polling); each item burns 50 ms
    // of CPU in yielding slices (units of 5 items, 250 ms), 60 s per job.
    const client = new Redis({ port });
    const store = createRedisAdapter({ client, keyPrefix: "bench" });
    const runner = createRunner({
      store,
      workerId: id,
      pipelines: {
        busy: createSyntheticPipeline({ items: 1200, itemsPerUnit: 5, chunksPerItem: 1, burnMs: 50 }),
      },
      sources: { synthetic: syntheticSource },
    });
    process.on("SIGTERM", () => {
      void runner.stop().finally(() => process.exit(143));
    });
    runner.start({ concurrency: 1 });
  }
  process.stdout.write("ready\n");
}

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error("timed out");
    await sleep(20);
  }
}

async function threadmillHandover(signal: "SIGKILL" | "SIGTERM"): Promise<Metrics> {
  return withRedis(async (port) => {
    const client = new Redis({ port });
    const store = createRedisAdapter({ client, keyPrefix: "bench" });
    const a = spawnWorker("threadmill", port, "a");
    const { job } = await store.jobs.create({ tenant: "t", pipeline: "busy", input: { kind: "synthetic" } });
    await waitFor(async () => {
      const j = await store.jobs.get("t", job.id);
      return j?.workerId === "a" && (j.counts.conversations ?? 0) > 0;
    }, 30_000);
    const b = spawnWorker("threadmill", port, "b");
    await ready(b);
    await sleep(1000); // b has polled at least once
    const signalled = Date.now();
    a.kill(signal);
    let claimableMs = 0;
    await waitFor(async () => {
      const j = await store.jobs.get("t", job.id);
      if (claimableMs === 0 && (j?.status === "queued" || (j?.leaseExpiresAt ?? Infinity) <= Date.now())) {
        claimableMs = Date.now() - signalled;
      }
      return j?.workerId === "b";
    }, 120_000);
    const ms = Date.now() - signalled;
    b.kill("SIGKILL");
    if (a.exitCode === null) a.kill("SIGKILL");
    await store.close();
    client.disconnect();
    const metrics: Metrics =
      signal === "SIGKILL"
        ? { "dead worker recovery s": ms / 1000 }
        : { "SIGTERM -> claimable s": claimableMs / 1000, "SIGTERM -> claimed by another s": ms / 1000 };
    return metrics;
  });
}

async function bullmqRecovery(): Promise<Metrics> {
  return withRedis(async (port) => {
    const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
    const queue = new Queue("recovery", { connection });
    const a = spawnWorker("bullmq", port, "a");
    await ready(a);
    await queue.add("long", {});
    await waitFor(async () => (await queue.getActiveCount()) === 1, 30_000);
    const killed = Date.now();
    a.kill("SIGKILL");
    let picked = 0;
    const b = new Worker(
      "recovery",
      async () => {
        picked = Date.now();
        await sleep(600_000);
      },
      { connection },
    );
    await waitFor(async () => picked > 0, 180_000);
    const ms = picked - killed;
    await b.close(true);
    await queue.close();
    return { "dead worker recovery s": ms / 1000 };
  });
}

async function busyWorkerFalseStalls(): Promise<Metrics> {
  return withRedis(async (port) => {
    const client = new Redis({ port });
    const store = createRedisAdapter({ client, keyPrefix: "bench" });
    const a = spawnWorker("threadmill", port, "a");
    await ready(a);
    const b = spawnWorker("threadmill", port, "b");
    const { job } = await store.jobs.create({ tenant: "t", pipeline: "busy", input: { kind: "synthetic" } });
    // 25 s of a CPU-busy job (50 ms slices) with an idle rival polling every second.
    await sleep(25_000);
    const j = (await store.jobs.get("t", job.id))!;
    a.kill("SIGKILL");
    b.kill("SIGKILL");
    await store.close();
    client.disconnect();
    return { "false stalls": j.epoch - 1, "still running": j.status === "running" ? 1 : 0 };
  });
}

/** `REDIS_BENCH_CASES=<regex>` runs a subset (the baseline case always runs). */
function selected(cases: Record<string, BenchmarkCase>): Record<string, BenchmarkCase> {
  const filter = process.env.REDIS_BENCH_CASES;
  if (!filter) return cases;
  const re = new RegExp(filter);
  return Object.fromEntries(Object.entries(cases).filter(([name]) => name === "bullmq c1" || re.test(name)));
}

export default defineBenchmark({
  description: `${JOBS} no-op jobs, claim + complete, adapter-redis vs BullMQ 6.7 on a private redis-server 7.0; recovery and hand-back with defaults`,
  runs: 3,
  baseline: "bullmq c1",
  higherIsBetter: {
    "jobs/s": true,
    "round trips/job": false,
    "dead worker recovery s": false,
    "SIGTERM -> claimable s": false,
    "SIGTERM -> claimed by another s": false,
    "false stalls": false,
  },
  goals: {
    "jobs/s c1 and c16": ">= 1.0x BullMQ at the same concurrency",
    "round trips/job": "<= 2 (claim, complete); <= 1.1 with completeAndClaim",
    "dead worker recovery s": "<= 20 s with defaults (BullMQ 62 s), no false stall of a busy live worker",
    "SIGTERM -> claimable s": "<= 1 s (checkpoint + release); the claim follows within the 1 s poll",
  },
  cases: selected({
    "bullmq c1": { run: () => bullmqThroughput(1) },
    "bullmq c16": { run: () => bullmqThroughput(16) },
    "redis adapter c1": { run: () => adapterThroughput(1, false) },
    "redis adapter c16": { run: () => adapterThroughput(16, false) },
    "redis adapter completeAndClaim c1": { run: () => adapterThroughput(1, true) },
    "redis adapter completeAndClaim c16": { run: () => adapterThroughput(16, true) },
    "runner (no-op pipeline) c1": { run: () => runnerThroughput(1) },
    "runner (no-op pipeline) c16": { run: () => runnerThroughput(16) },
    "redis adapter dead worker": { run: () => threadmillHandover("SIGKILL") },
    "redis adapter SIGTERM": { run: () => threadmillHandover("SIGTERM") },
    "redis adapter busy worker": { run: () => busyWorkerFalseStalls() },
    "bullmq dead worker": { run: () => bullmqRecovery() },
  }),
});
