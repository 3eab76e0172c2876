// The Postgres adapter's queue against BullMQ 6's own Postgres backend and pg-boss 10, on the same
// shared Postgres (127.0.0.1:5432, database `test`, a schema per case run, dropped afterwards), in the
// same run: claim + complete of no-op jobs (jobs/s at concurrency 1 and 16) with a backlog of 2k, 20k
// and 200k queued jobs, statements per job (counted in each client: postgres.js `unsafe` for the
// adapter, node-postgres `Client.query` for BullMQ), add-to-start latency (NOTIFY on a
// direct connection vs polling through PgBouncer in transaction mode, BullMQ and pg-boss defaults),
// dead-worker recovery with the runner's defaults (SIGKILL mid-job, a second worker takes over), and
// chunk upsert rows/s into Postgres and PGlite (1.5 KB rows) with PGlite's peak RSS.
//
// Like for like: BullMQ's Worker completes a job and claims the next in one call and one commit
// (`move_to_completed_fetch`, a PL/pgSQL function, sent unprepared by node-postgres in one round
// trip); so does `completeAndClaim` (the `complete_and_claim` function, inlined parameters, one round
// trip). "threadmill cN" is the runner's plain path: `complete`, then `claim`, two statements and two
// commits per job. Every queue keeps its finished jobs (BullMQ's default removeOnComplete: false) and
// is timed over the same steady window (jobs WARMUP..MEASURED).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Chunk, createRunner, type Lease } from "@threadmill/core";
import {
  createPgliteAdapter,
  createPostgresAdapter,
  migrate,
  PGLITE_BULK_OPTIONS,
} from "@threadmill/adapter-supabase";
import { PGlite } from "@electric-sql/pglite";
import { createPostgresBackend, withBackend } from "bullmq";
import PgBoss from "pg-boss";
import { startPgbouncer } from "../../../packages/adapter-supabase/test/support/pgbouncer.js";
import {
  createSyntheticPipeline,
  syntheticSource,
} from "../../../packages/testkit/src/faults/synthetic-pipeline.js";
import { defineBenchmark, type Metrics } from "../harness.js";
import { client, URL, withSchema } from "./pg-bench-support.js";
import { bullmqThroughput, pgbossThroughput, threadmillThroughput } from "./pg-queue-throughput.js";

const thisFile = fileURLToPath(import.meta.url);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Add-to-start through the runner (`start()`, 1 s poll, a one-item pipeline): the time from
 * `submit` until the runner's claim returns the job. "notify": the adapter sends NOTIFY and its
 * `queue.onClaimable` LISTENs on a direct connection; "pooler": everything through PgBouncer in
 * transaction mode, so only polling finds the job.
 */
async function threadmillLatency(mode: "notify" | "pooler"): Promise<Metrics> {
  return withSchema(`lat_${mode}`, async (schema, direct) => {
    await migrate(direct, { schema });
    const bouncer = mode === "pooler" ? await startPgbouncer() : null;
    const sql = mode === "pooler" ? client(4, bouncer!.url) : client(4);
    const adapter = createPostgresAdapter({
      sql,
      schema,
      ...(mode === "notify" ? { notify: true, listen: direct } : {}),
    });
    const created = new Map<string, number>();
    // By job id: a NOTIFY can start the job before `create` has returned its id to this loop.
    const started = new Map<string, number>();
    const claimed = Object.assign(Object.create(adapter.queue) as typeof adapter.queue, {
      claim: async (...args: Parameters<typeof adapter.queue.claim>) => {
        const claim = await adapter.queue.claim(...args);
        if (claim) started.set(claim.job.id, performance.now());
        return claim;
      },
    });
    const runner = createRunner({
      store: { ...adapter, queue: claimed },
      pipelines: { noop: createSyntheticPipeline({ items: 1, itemsPerUnit: 1, chunksPerItem: 1 }) },
      sources: { synthetic: syntheticSource },
      pollMs: 1000,
    });
    runner.start({ concurrency: 1 });
    const samples = mode === "notify" ? 40 : 20;
    for (let i = 0; i < samples; i++) {
      await sleep(150 + Math.random() * 900);
      const t = performance.now();
      const { job } = await adapter.jobs.create({
        tenant: "bench",
        pipeline: "noop",
        input: { kind: "synthetic" },
      });
      created.set(job.id, t);
    }
    await waitFor(async () => started.size >= samples, 60_000);
    await runner.stop();
    await adapter.close();
    await sql.end({ timeout: 5 });
    await bouncer?.stop();
    const latencies = [...created].map(([id, at]) => started.get(id)! - at).sort((a, b) => a - b);
    return {
      "add-to-start ms (median)": latencies[Math.floor(latencies.length / 2)]!,
      "add-to-start ms (max)": latencies.at(-1)!,
    };
  });
}

async function bullmqLatency(): Promise<Metrics> {
  return withSchema("bqlat", async (schema) => {
    const { Queue, Worker } = withBackend(createPostgresBackend);
    const connection = { connectionString: URL, schema, migrate: true };
    const queue = new Queue("lat", { connection });
    const created = new Map<string, number>();
    const latencies: number[] = [];
    const worker = new Worker(
      "lat",
      async (job) => {
        latencies.push(performance.now() - created.get(job.data.k as string)!);
      },
      { connection },
    );
    await worker.waitUntilReady();
    for (let i = 0; i < 30; i++) {
      await sleep(150 + Math.random() * 300);
      const k = `k${i}`;
      created.set(k, performance.now());
      await queue.add("lat", { k });
    }
    while (latencies.length < 30) await sleep(20);
    await worker.close();
    await queue.close();
    latencies.sort((a, b) => a - b);
    return {
      "add-to-start ms (median)": latencies[Math.floor(latencies.length / 2)]!,
      "add-to-start ms (max)": latencies.at(-1)!,
    };
  });
}

async function pgbossLatency(): Promise<Metrics> {
  return withSchema("pblat", async (schema) => {
    const boss = new PgBoss({ connectionString: URL, schema, supervise: false, schedule: false });
    boss.on("error", () => {});
    await boss.start();
    await boss.createQueue("lat");
    const created = new Map<string, number>();
    const latencies: number[] = [];
    await boss.work<{ k: string }>("lat", async ([job]) => {
      latencies.push(performance.now() - created.get(job!.data.k)!);
    });
    const samples = 8;
    for (let i = 0; i < samples; i++) {
      await sleep(200 + Math.random() * 1500);
      created.set(`k${i}`, performance.now());
      await boss.send("lat", { k: `k${i}` });
    }
    while (latencies.length < samples) await sleep(20);
    await boss.stop({ graceful: false, wait: true });
    latencies.sort((a, b) => a - b);
    return {
      "add-to-start ms (median)": latencies[Math.floor(latencies.length / 2)]!,
      "add-to-start ms (max)": latencies.at(-1)!,
    };
  });
}

// ---- dead-worker recovery with the runner's defaults --------------------------------------------
function spawnWorker(schema: string, id: string): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, thisFile], {
    env: { ...process.env, TM_PG_BENCH_WORKER: id, TM_PG_BENCH_SCHEMA: schema },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

if (process.env.TM_PG_BENCH_WORKER) {
  // The runner with its defaults (15 s lease renewed every 5 s, 1 s polling); each item burns 50 ms
  // of CPU in yielding slices, so a job runs for a minute.
  const sql = client(4);
  const store = createPostgresAdapter({ sql, schema: process.env.TM_PG_BENCH_SCHEMA! });
  const runner = createRunner({
    store,
    workerId: process.env.TM_PG_BENCH_WORKER,
    pipelines: {
      busy: createSyntheticPipeline({ items: 1200, itemsPerUnit: 5, chunksPerItem: 1, burnMs: 50 }),
    },
    sources: { synthetic: syntheticSource },
  });
  runner.start({ concurrency: 1 });
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

async function deadWorkerRecovery(): Promise<Metrics> {
  return withSchema("dead", async (schema, sql) => {
    await migrate(sql, { schema });
    const store = createPostgresAdapter({ sql, schema });
    const a = spawnWorker(schema, "a");
    const { job } = await store.jobs.create({ tenant: "t", pipeline: "busy", input: { kind: "synthetic" } });
    await waitFor(async () => {
      const j = await store.jobs.get("t", job.id);
      return j?.workerId === "a" && (j.counts.conversations ?? 0) > 0;
    }, 60_000);
    const b = spawnWorker(schema, "b");
    await sleep(3000); // b is up and polling
    const killed = Date.now();
    a.kill("SIGKILL");
    await waitFor(async () => (await store.jobs.get("t", job.id))?.workerId === "b", 120_000);
    const seconds = (Date.now() - killed) / 1000;
    b.kill("SIGKILL");
    return { "dead worker recovery s": seconds };
  });
}

// ---- chunk upserts --------------------------------------------------------------------------------
function chunkBatch(from: number, n: number): Chunk[] {
  const text = "lorem ipsum dolor sit amet ".repeat(56).slice(0, 1500);
  return Array.from({ length: n }, (_, i) => ({
    id: `chunk-${String(from + i).padStart(9, "0")}`,
    conversationId: `conv-${Math.floor((from + i) / 20)}`,
    branchId: null,
    index: (from + i) % 20,
    text,
    tokens: 300,
    overlap: 0,
    messageIds: [`m-${from + i}`],
    startAt: new Date(1_700_000_000_000),
    endAt: new Date(1_700_000_000_000),
  }));
}

async function upsertAll(
  adapter: Awaited<ReturnType<typeof createPgliteAdapter>>,
  rows: number,
): Promise<{ seconds: number }> {
  const { job } = await adapter.jobs.create({ tenant: "bench", pipeline: "p", input: { kind: "none" } });
  const claim = (await adapter.queue.claim("w", 600_000, { tenant: "bench", jobId: job.id }))!;
  const lease: Lease = claim.lease;
  const started = performance.now();
  for (let from = 0; from < rows; from += 500) {
    await adapter.chunks.upsert(lease, chunkBatch(from, Math.min(500, rows - from)));
  }
  return { seconds: (performance.now() - started) / 1000 };
}

async function postgresChunks(): Promise<Metrics> {
  return withSchema("chunks", async (schema, sql) => {
    await migrate(sql, { schema });
    const rows = 50_000;
    const { seconds } = await upsertAll(createPostgresAdapter({ sql, schema }), rows);
    return { "chunk rows/s": rows / seconds };
  });
}

async function pgliteChunks(rows: number, bulk: boolean): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), "tm-bench-pglite-"));
  try {
    const opened = performance.now();
    const adapter = await createPgliteAdapter({
      dataDir: dir,
      ...(bulk ? { pgliteOptions: PGLITE_BULK_OPTIONS } : {}),
    });
    const openSeconds = (performance.now() - opened) / 1000;
    const { seconds } = await upsertAll(adapter, rows);
    await adapter.close();
    return { "chunk rows/s": rows / seconds, "new data dir s": openSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.TM_PG_BENCH_INIT) {
  // Creates a PGlite store directory (as the adapter does) for the raw case, outside its process.
  await (await createPgliteAdapter({ dataDir: process.env.TM_PG_BENCH_INIT })).close();
  process.exit(0);
}

/**
 * The same rows straight into PGlite with the bulk options, without the adapter: a plain
 * `(tenant, id, body jsonb)` table, 500-row `jsonb_to_recordset` upserts. The adapter's overhead is
 * the difference (its membership rows, the lease check, the record codec).
 */
async function pgliteRaw(rows: number): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), "tm-bench-pglite-raw-"));
  try {
    const init = spawn(process.execPath, [...process.execArgv, thisFile], {
      env: { ...process.env, TM_PG_BENCH_INIT: dir },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await new Promise<void>((resolve, reject) =>
      init.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`init exited ${code}`)))),
    );
    const db = new PGlite(join(dir, "pgdata"), PGLITE_BULK_OPTIONS);
    await db.waitReady;
    await db.exec("create table raw (tenant text, id text, body jsonb not null, primary key (tenant, id))");
    const started = performance.now();
    for (let from = 0; from < rows; from += 500) {
      const payload = JSON.stringify(
        chunkBatch(from, Math.min(500, rows - from)).map((c) => ({ id: c.id, body: c })),
      );
      await db.query(
        `insert into raw (tenant, id, body)
         select 'bench', r.id, r.body from jsonb_to_recordset($1::text::jsonb) as r(id text, body jsonb)
         on conflict (tenant, id) do update set body = excluded.body`,
        [payload],
      );
    }
    const seconds = (performance.now() - started) / 1000;
    await db.close();
    return { "chunk rows/s": rows / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default defineBenchmark({
  description:
    "Postgres adapter vs BullMQ 6 Postgres backend and pg-boss 10 on the shared Postgres: no-op claim+complete, latency, recovery, chunk upserts",
  runs: Number(process.env.TM_BENCH_RUNS ?? 3),
  baseline: "bullmq-pg c1 (20k backlog)",
  higherIsBetter: {
    "jobs/s": true,
    "statements/job": false,
    "add-to-start ms (median)": false,
    "add-to-start ms (max)": false,
    "dead worker recovery s": false,
    "chunk rows/s": true,
    "new data dir s": false,
  },
  goals: {
    "jobs/s c1 and c16 (20k backlog)":
      ">= 1.0x BullMQ's Postgres backend at the same concurrency; flat from 2k to 200k",
    "add-to-start ms": "<= 50 ms median with NOTIFY (direct); <= poll interval (1 s) through the pooler",
    "dead worker recovery s": "<= 20 s with defaults",
  },
  cases: {
    "bullmq-pg c1 (20k backlog)": { run: () => bullmqThroughput(1, 20_000) },
    "bullmq-pg c16 (20k backlog)": { run: () => bullmqThroughput(16, 20_000) },
    "pg-boss c1 (20k backlog)": { run: () => pgbossThroughput(1, 20_000) },
    "pg-boss c16 (20k backlog)": { run: () => pgbossThroughput(16, 20_000) },
    "threadmill completeAndClaim c1 (20k backlog)": { run: () => threadmillThroughput(1, 20_000, true) },
    "threadmill completeAndClaim c16 (20k backlog)": { run: () => threadmillThroughput(16, 20_000, true) },
    "threadmill completeAndClaim prepared c1 (20k backlog)": {
      run: () => threadmillThroughput(1, 20_000, true, true),
    },
    "threadmill completeAndClaim prepared c16 (20k backlog)": {
      run: () => threadmillThroughput(16, 20_000, true, true),
    },
    "threadmill c1 (2k backlog)": { run: () => threadmillThroughput(1, 2_000) },
    "threadmill c1 (20k backlog)": { run: () => threadmillThroughput(1, 20_000) },
    "threadmill c1 (200k backlog)": { run: () => threadmillThroughput(1, 200_000) },
    "threadmill c16 (2k backlog)": { run: () => threadmillThroughput(16, 2_000) },
    "threadmill c16 (20k backlog)": { run: () => threadmillThroughput(16, 20_000) },
    "threadmill c16 (200k backlog)": { run: () => threadmillThroughput(16, 200_000) },
    "threadmill latency NOTIFY (direct)": { run: () => threadmillLatency("notify") },
    "threadmill latency polling 1 s (pgbouncer)": { run: () => threadmillLatency("pooler") },
    "bullmq-pg latency": { run: () => bullmqLatency() },
    "pg-boss latency (default poll)": { run: () => pgbossLatency() },
    "threadmill dead worker (defaults)": { run: () => deadWorkerRecovery() },
    "postgres chunk upserts (50k rows)": { run: () => postgresChunks() },
    "pglite chunk upserts (200k rows, defaults)": { run: () => pgliteChunks(200_000, false) },
    "pglite chunk upserts (200k rows, bulk options)": { run: () => pgliteChunks(200_000, true) },
    "pglite raw inserts, no adapter (200k rows, bulk options)": { run: () => pgliteRaw(200_000) },
  },
});
