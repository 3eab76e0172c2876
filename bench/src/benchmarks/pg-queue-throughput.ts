// No-op job throughput of the Postgres queues on the shared Postgres, each timed over the same steady
// window (jobs WARMUP..MEASURED) with a backlog queued before the clock starts.
import { createRequire } from "node:module";
import { createPostgresAdapter, migrate } from "@threadmill/adapter-supabase";
import { createRunner, type Pipeline } from "@threadmill/core";
import { Logger, makeWorkerUtils, run as runGraphileWorker } from "graphile-worker";
import { createPostgresBackend, withBackend } from "bullmq";
import PgBoss from "pg-boss";
import { syntheticSource } from "../../../packages/testkit/src/faults/synthetic-pipeline.js";
import type { Metrics } from "../harness.js";
import {
  backlog,
  client,
  counting,
  MEASURED_C1,
  MEASURED_C16,
  meter,
  inBatches,
  settle,
  URL,
  withSchema,
} from "./pg-bench-support.js";

const PGBOSS_MEASURED = 100;

export async function threadmillThroughput(
  concurrency: number,
  queued: number,
  fused = false,
  prepare = false,
): Promise<Metrics> {
  return withSchema(`tp${concurrency}_${queued}`, async (schema, sql) => {
    await migrate(sql, { schema });
    await backlog(sql, schema, queued);
    const counted = counting(client(concurrency + 2));
    const adapter = createPostgresAdapter({ sql: counted.sql, schema, prepare });
    const MEASURED = Math.min(queued, concurrency === 1 ? MEASURED_C1 : MEASURED_C16);
    const m = meter(MEASURED, counted.count);
    // Claims are counted against MEASURED before they are asked for, so exactly MEASURED jobs finish.
    let claims = 0;
    const reserve = (): boolean => {
      if (claims >= MEASURED) return false;
      claims++;
      return true;
    };
    const got = <T>(claim: T | null): T | null => {
      if (claim === null) claims--;
      return claim;
    };
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        const workerId = `w${w}`;
        let claim = reserve() ? got(await adapter.queue.claim(workerId, 30_000)) : null;
        while (claim) {
          if (!fused) {
            await adapter.queue.complete(claim.lease, { status: "succeeded" });
            claim = reserve() ? got(await adapter.queue.claim(workerId, 30_000)) : null;
          } else if (reserve()) {
            const next = { workerId, leaseMs: 30_000 };
            claim = got(
              (await adapter.queue.completeAndClaim(claim.lease, { status: "succeeded" }, next)).next,
            );
          } else {
            await adapter.queue.complete(claim.lease, { status: "succeeded" });
            claim = null;
          }
          m.tick();
        }
      }),
    );
    await counted.sql.end({ timeout: 5 });
    return m.metrics();
  });
}

/**
 * Statements a node-postgres client sends, counted on `Client.prototype.query` (every statement of
 * its pool goes through it), from the `pg` that `pkg` (BullMQ, graphile-worker) itself loads.
 */
function countPgStatements(pkg: string): () => number {
  const pg = createRequire(createRequire(import.meta.url).resolve(pkg))("pg") as {
    Client: { prototype: { query: (...args: unknown[]) => unknown } };
  };
  let n = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return () => n;
}

export async function bullmqThroughput(concurrency: number, queued: number): Promise<Metrics> {
  return withSchema(`bq${concurrency}`, async (schema, sql) => {
    const { Queue, Worker } = withBackend(createPostgresBackend);
    const connection = { connectionString: URL, schema, max: concurrency + 4, migrate: true };
    const queue = new Queue("bench", { connection });
    await inBatches(queued, 1000, (numbers) =>
      queue.addBulk(numbers.map((i) => ({ name: "noop", data: { i } }))),
    );
    await settle(sql, schema);
    const MEASURED = Math.min(queued, concurrency === 1 ? MEASURED_C1 : MEASURED_C16);
    const m = meter(MEASURED, countPgStatements("bullmq"));
    // Its Worker completes a job and fetches the next in one call (`move_to_completed_fetch`) while
    // it has room, like `completeAndClaim`.
    const worker = new Worker("bench", async () => m.tick(), { connection, concurrency });
    await m.all;
    await worker.close(true);
    await queue.close();
    return m.metrics();
  });
}

export async function pgbossThroughput(concurrency: number, queued: number): Promise<Metrics> {
  return withSchema(`pb${concurrency}`, async (schema, sql) => {
    const boss = new PgBoss({
      connectionString: URL,
      schema,
      max: concurrency + 4,
      supervise: false,
      schedule: false,
    });
    boss.on("error", () => {});
    await boss.start();
    await boss.createQueue("bench");
    await inBatches(queued, 5000, (numbers) =>
      boss.insert(numbers.map((i) => ({ name: "bench", data: { i } }))),
    );
    await settle(sql, schema);
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < PGBOSS_MEASURED) {
          const jobs = await boss.fetch("bench");
          const job = jobs?.[0];
          if (!job) break;
          await boss.complete("bench", job.id);
          done++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await boss.stop({ graceful: false, wait: true });
    // Not counted here: by pg-boss's own plans, fetch and complete are one statement each.
    return { "jobs/s": done / seconds };
  });
}

/**
 * graphile-worker 0.18 as its docs set it up: `run()` with a pool of max(10, concurrency + 2),
 * logging off, everything else its defaults (no local queue, no batched completions). A job is a
 * no-op task; the same backlog, vacuumed, before the clock starts.
 */
export async function graphileThroughput(concurrency: number, queued: number): Promise<Metrics> {
  return withSchema(`gw${concurrency}`, async (schema, sql) => {
    const shared = { connectionString: URL, schema, logger: new Logger(() => () => {}) };
    const utils = await makeWorkerUtils(shared);
    await utils.migrate();
    await inBatches(queued, 5000, (numbers) =>
      utils.addJobs(numbers.map((i) => ({ identifier: "noop", payload: { i } }))),
    );
    await utils.release();
    await settle(sql, schema);
    const MEASURED = Math.min(queued, concurrency === 1 ? MEASURED_C1 : MEASURED_C16);
    const m = meter(MEASURED, countPgStatements("graphile-worker"));
    const runner = await runGraphileWorker({
      ...shared,
      concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      noHandleSignals: true,
      taskList: { noop: async () => m.tick() },
    });
    await m.all;
    // Its pool may still be finishing a completion after stop(): wait for the whole runner, so the
    // schema is not dropped under a running statement.
    await runner.stop();
    await runner.promise.catch(() => {});
    // At c16 a batched completion still ran after both (retried once its pool was ending), found the
    // schema gone and crashed the case: give it time, outside the measured window.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return m.metrics();
  });
}

/** A pipeline of one stage whose one unit does nothing but count the job. */
function noopPipeline(tick: () => void): Pipeline {
  return {
    stages: [
      {
        name: "noop",
        open: () => ({
          next: async () => {
            tick();
            return { cursor: null, done: true };
          },
        }),
      },
    ],
  };
}

/**
 * The whole runner (`createRunner`, `start({ concurrency })`) on no-op jobs: its claim loops with
 * every write a real job makes (the started event, the checkpoint read and write, the terminal write
 * that also claims the next job). Pool of concurrency + 2, as the adapter cases.
 */
export async function runnerThroughput(concurrency: number, queued: number): Promise<Metrics> {
  return withSchema(`rn${concurrency}_${queued}`, async (schema, sql) => {
    await migrate(sql, { schema });
    await backlog(sql, schema, queued);
    const counted = counting(client(concurrency + 2));
    const adapter = createPostgresAdapter({ sql: counted.sql, schema });
    const MEASURED = Math.min(queued, concurrency === 1 ? MEASURED_C1 : MEASURED_C16);
    const m = meter(MEASURED, counted.count);
    const runner = createRunner({
      store: adapter,
      pipelines: { noop: noopPipeline(() => m.tick()) },
      sources: { none: syntheticSource },
      telemetry: false,
    });
    runner.start({ concurrency });
    await m.all;
    await runner.stop({ graceMs: 5_000 });
    await counted.sql.end({ timeout: 5 });
    return m.metrics();
  });
}
