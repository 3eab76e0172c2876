// Shared by the Postgres benchmarks: a fresh schema per case run on the shared Postgres, a backlog of
// no-op jobs, statement counting in the client, and the steady-window meter every queue is timed by.
import postgres, { type Sql } from "postgres";
import type { Metrics } from "../harness.js";

export const URL = process.env.TM_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MEASURED_C1 = 1000;
export const MEASURED_C16 = 2000;
/** Jobs done before the clock starts (connections opened, functions compiled and planned). */
export const WARMUP = 100;

/**
 * Jobs/s over a steady window, the same for every queue: the clock starts when `WARMUP` jobs are
 * done (so pool connections, worker start-up and per-connection plan caches are not in it) and stops
 * at `measured`. `statements()` reads the client's statement counter at both ends.
 */
export function meter(measured: number, statements: () => number = () => 0) {
  let done = 0;
  let t0 = 0;
  let s0 = 0;
  let t1 = 0;
  let s1 = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => (finished = resolve));
  return {
    get done() {
      return done;
    },
    all,
    tick() {
      done++;
      if (done === WARMUP) {
        t0 = performance.now();
        s0 = statements();
      }
      if (done === measured) {
        t1 = performance.now();
        s1 = statements();
        finished();
      }
    },
    metrics(): Metrics {
      const jobs = measured - WARMUP;
      return { "jobs/s": jobs / ((t1 - t0) / 1000), "statements/job": (s1 - s0) / jobs };
    },
  };
}

export function client(max = 20, url = URL): Sql {
  return postgres(url, { prepare: false, max, onnotice: () => {} });
}

/** A fresh schema for one case run, dropped (cascade) afterwards. */
export async function withSchema<T>(label: string, fn: (schema: string, sql: Sql) => Promise<T>): Promise<T> {
  const sql = client();
  const schema = `tm_bench_${label}_${process.pid}`;
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  try {
    return await fn(schema, sql);
  } finally {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await sql.end({ timeout: 5 });
  }
}

/** Counts statements sent through a postgres.js client (every adapter call goes through `unsafe`). */
export function counting(sql: Sql): { sql: Sql; count: () => number } {
  let n = 0;
  const proxy = new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === "unsafe") {
        return (...args: Parameters<Sql["unsafe"]>) => {
          n++;
          return target.unsafe(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { sql: proxy, count: () => n };
}

/** Queues `n` jobs through a peer's own bulk call, `size` at a time: `add` gets job numbers from..to-1. */
export async function inBatches(
  n: number,
  size: number,
  add: (numbers: number[]) => Promise<unknown>,
): Promise<void> {
  for (let from = 0; from < n; from += size) {
    await add(Array.from({ length: Math.min(size, n - from) }, (_, i) => from + i));
  }
}

/** Queues `n` jobs straight into the jobs table (the backlog), due now, oldest first. */
export async function backlog(sql: Sql, schema: string, n: number): Promise<void> {
  for (let from = 0; from < n; from += 50_000) {
    const to = Math.min(n, from + 50_000);
    await sql.unsafe(
      `insert into "${schema}".jobs (id, tenant, pipeline, input, status, run_at)
       select '0000-backlog-' || lpad(i::text, 9, '0'), 'bench', 'noop', '{"kind":"none"}', 'queued',
              now() - interval '1 minute'
       from generate_series($1::int, $2::int - 1) as i`,
      [from, to],
    );
  }
  await settle(sql, schema);
}

/**
 * `vacuum analyze` of every table in the schema once its backlog is in, for all three queues alike:
 * statistics for the planner, and hint bits and the visibility map set before the clock starts
 * (otherwise the first reads of 200k fresh rows write them during the measurement).
 */
export async function settle(sql: Sql, schema: string): Promise<void> {
  const tables = await sql<
    { t: string }[]
  >`select tablename as t from pg_tables where schemaname = ${schema}`;
  for (const { t } of tables) await sql.unsafe(`vacuum analyze "${schema}"."${t.replace(/"/g, '""')}"`);
}
