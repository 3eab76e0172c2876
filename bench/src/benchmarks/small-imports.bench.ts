// Many small imports (issue 23): 1,000 generated ChatGPT exports of about 50 KB each, queued in one
// burst through the library (`runner.submit`, as `threadmill import --detach` does), worked by one
// `threadmill worker --concurrency 16` process (the built binary) on Postgres and on Redis. Reported:
// imports/s from the first submit to the last job done, and the time from submit to done of each
// job (median and p95), read from the job itself (`finishedAt - createdAt`, both on the store's
// clock). Each case's store is a fresh schema or key prefix, removed afterwards. Needs `pnpm build`.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRedisAdapter } from "@threadmill/adapter-redis";
import { createPostgresAdapter, migrate } from "@threadmill/adapter-supabase";
import type { Adapter, Job } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { generateExportToFile } from "@threadmill/testkit";
import { Redis } from "ioredis";
import postgres from "postgres";
import { defineBenchmark, type Metrics, median } from "../harness.js";

const IMPORTS = Number(process.env.SMALL_IMPORTS ?? 1000);
const BYTES = 50_000;
const CONCURRENCY = 16;
const DIR = join(process.env.E2E_BENCH_DIR ?? "/tmp/threadmill-bench", "small-50k");
const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, "../../../packages/cli/dist/bin.js");
const REDIS_URL = process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const POSTGRES_URL = process.env.E2E_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const TENANT = "bench";

/** The 1,000 inputs, generated once and kept in `DIR` (a different seed each, so no two are alike). */
async function inputs(): Promise<string[]> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
  mkdirSync(DIR, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < IMPORTS; i++) {
    const path = join(DIR, `export-${i}.json`);
    if (!existsSync(path)) {
      const temp = `${path}.${process.pid}.tmp`;
      await generateExportToFile(temp, { format: "chatgpt-json", seed: 10_000 + i, targetBytes: BYTES });
      renameSync(temp, path);
    }
    paths.push(path);
  }
  return paths;
}

function startWorker(store: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [BIN, "worker", "--concurrency", String(CONCURRENCY), "--store", store],
    {
      env: { ...process.env, THREADMILL_STORE: undefined },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  child.stderr?.on("data", () => {});
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  await exited;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Submits every input in one burst while the worker runs, waits until all are done, reads the figures. */
async function burst(adapter: Adapter, store: string): Promise<Metrics> {
  const paths = await inputs();
  const worker = startWorker(store);
  try {
    // Only submits (never started): the worker process does the work.
    const runner = createRunner({
      store: adapter,
      pipelines: { import: createImportPipeline() },
      telemetry: false,
    });
    const started = performance.now();
    const ids: string[] = [];
    for (const path of paths) {
      const { job } = await runner.submit({
        tenant: TENANT,
        pipeline: "import",
        input: { kind: "file", path },
        options: {},
      });
      ids.push(job.id);
    }
    const jobs = await waitAllDone(adapter, ids, worker);
    const seconds = (performance.now() - started) / 1000;
    const latencies = jobs.map((j) => j.finishedAt! - j.createdAt).sort((a, b) => a - b);
    const failed = jobs.filter((j) => j.status !== "succeeded").length;
    if (failed > 0)
      throw new Error(
        `${failed} imports did not succeed (first: ${jobs.find((j) => j.status !== "succeeded")?.error?.message})`,
      );
    return {
      "imports/s": IMPORTS / seconds,
      "submit to done ms (median)": median(latencies),
      "submit to done ms (p95)": percentile(latencies, 95),
      "chunks/import":
        jobs.reduce((sum, j) => sum + Number((j.result as { chunks?: number })?.chunks ?? 0), 0) / IMPORTS,
    };
  } finally {
    await stopWorker(worker);
  }
}

/** Reads the jobs in submit order, waiting on the first unfinished one, until every one has finished. */
async function waitAllDone(adapter: Adapter, ids: readonly string[], worker: ChildProcess): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const id of ids) {
    for (;;) {
      const job = await adapter.jobs.get(TENANT, id);
      if (job && job.finishedAt !== null) {
        jobs.push(job);
        break;
      }
      if (worker.exitCode !== null) {
        throw new Error(`the worker exited (${worker.exitCode}) with ${ids.length - jobs.length} jobs left`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return jobs;
}

async function onPostgres(): Promise<Metrics> {
  const schema = `tm_small_${process.pid}`;
  const sql = postgres(POSTGRES_URL, { max: 4, onnotice: () => {} });
  try {
    await migrate(sql, { schema });
    const adapter = createPostgresAdapter({ sql, schema, notify: true });
    return await burst(adapter, `${POSTGRES_URL}?schema=${schema}`);
  } finally {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => {});
    await sql.end({ timeout: 5 });
  }
}

async function onRedis(): Promise<Metrics> {
  const prefix = `tmsmall${process.pid}`;
  const client = new Redis(REDIS_URL);
  try {
    const adapter = createRedisAdapter({ client, keyPrefix: prefix });
    return await burst(adapter, `${REDIS_URL}?prefix=${prefix}`);
  } finally {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    client.disconnect();
  }
}

export default defineBenchmark({
  description: `${IMPORTS} imports of ~50 KB in one burst through \`threadmill worker --concurrency ${CONCURRENCY}\`, on Postgres and on Redis`,
  runs: Number(process.env.TM_BENCH_RUNS ?? 3),
  interleave: true,
  baseline: "postgres",
  higherIsBetter: {
    "imports/s": true,
    "submit to done ms (median)": false,
    "submit to done ms (p95)": false,
  },
  cases: {
    postgres: { run: onPostgres },
    redis: { run: onRedis },
  },
});
