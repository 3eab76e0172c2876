// End to end: the built `threadmill` binary imports a generated ChatGPT export (1 GB by default;
// E2E_MB=100 for a quick run) into the embedded PGlite store, into Postgres and into Redis, as a
// user would run it (`threadmill import conversations.json --store ... --json`, chunking on its
// default threads, or `--threads $E2E_THREADS`). Reported per run: wall time, MB/s, the CLI
// process's peak RSS (GNU time's max RSS) and CPU time (user + sys, all its threads), the 1-minute
// load average sampled during the run, and the time by stage read from the job's own events:
// hashing the input + opening the store (to the `queued` event), the import stage (parse + render +
// chunk + store, overlapped, from its `stage` event to `succeeded`), and the rest (closing). The
// PGlite case first creates its store directory with `threadmill status` (initdb, in a child
// process of its own: "store init s" / "store init peak RSS MB", counted in its wall time but not in
// the import's peak RSS). Cases without a store measure the stages alone in this process: reading +
// parsing, then reading + parsing + chunking in-process (the binary's way on 2 cores, where it runs
// no chunker thread) and on a pool of core's default threads (or $E2E_THREADS). Needs `pnpm build`
// first. Each case's store is unique and removed after the run.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createChunker, createChunkerPool, defaultChunkerThreads, readExport } from "@threadmill/core/node";
import { generateExportToFile } from "@threadmill/testkit";
import { Redis } from "ioredis";
import postgres from "postgres";
import { defineBenchmark, type Metrics } from "../harness.js";

const MB = Number(process.env.E2E_MB ?? 1000);
const DIR = process.env.E2E_BENCH_DIR ?? "/tmp/threadmill-bench";
const INPUT = join(DIR, `e2e-chatgpt-${MB}mb.json`);
const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, "../../../packages/cli/dist/bin.js");
const REDIS_URL = process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const POSTGRES_URL = process.env.E2E_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** `--threads` for the binary; unset: its default. */
const THREADS = process.env.E2E_THREADS;

async function ensureInput(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
  if (existsSync(INPUT)) return;
  mkdirSync(DIR, { recursive: true });
  const temp = `${INPUT}.${process.pid}.tmp`;
  await generateExportToFile(temp, {
    format: "chatgpt-json",
    seed: 9,
    targetBytes: MB * 1e6,
    truth: "counts",
  });
  renameSync(temp, INPUT);
}

interface Timed {
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
  readonly cpuS: number;
  readonly maxRssMb: number;
  readonly load: number;
}

/** Runs the binary under GNU time, sampling the load average; its output, wall and CPU time, peak RSS. */
async function timeBin(args: readonly string[]): Promise<Timed & { readonly code: number | null }> {
  const started = performance.now();
  const loads: number[] = [loadavg()[0]!];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 5_000);
  const child = spawn("/usr/bin/time", ["-f", "@@time %e %U %S %M", process.execPath, BIN, ...args], {
    env: { ...process.env, THREADMILL_STORE: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(sampler);
  loads.push(loadavg()[0]!);
  const stderr = Buffer.concat(err).toString("utf8");
  const [, , user, sys, rssKb] = /@@time (\S+) (\S+) (\S+) (\d+)/.exec(stderr) ?? [];
  return {
    code,
    stdout: Buffer.concat(out).toString("utf8"),
    stderr,
    wallS: (performance.now() - started) / 1000,
    cpuS: Number(user) + Number(sys),
    maxRssMb: Number(rssKb) / 1024,
    load: loads.reduce((a, b) => a + b, 0) / loads.length,
  };
}

/** Imports the input into `store` with the binary; its figures, the stages from the job's events. */
async function importWith(store: string): Promise<Metrics> {
  const startedAt = Date.now();
  const threads = THREADS === undefined ? [] : ["--threads", THREADS];
  const run = await timeBin(["import", INPUT, "--store", store, "--json", ...threads]);
  if (run.code !== 0) throw new Error(`import failed (${run.code}): ${run.stderr.slice(-2000)}`);
  const lines = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number | string>);
  const at = (type: string) => lines.find((e) => e.type === type)?.at as number;
  const summary = lines.at(-1)!;
  if (summary.status !== "succeeded") throw new Error(`job ended ${summary.status}`);
  const bytes = statSync(INPUT).size;
  const queued = at("queued");
  const stage = at("stage");
  const succeeded = at("succeeded");
  return {
    "wall s": run.wallS,
    "MB/s": bytes / 1e6 / run.wallS,
    "peak RSS MB": run.maxRssMb,
    "cpu s": run.cpuS,
    "load 1m": run.load,
    "hash + open s": (queued - startedAt) / 1000,
    "import stage s": (succeeded - stage) / 1000,
    "close s": run.wallS - (succeeded - startedAt) / 1000,
    conversations: summary.conversations as number,
    chunks: summary.chunks as number,
  };
}

/** Reads (and with `chunk`, chunks) the input in this process, without a store: one stage's cost alone. */
async function stagesAlone(chunk: "none" | "in-process" | "pool"): Promise<Metrics> {
  const threads = THREADS === undefined ? defaultChunkerThreads() : Number(THREADS);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const loads: number[] = [loadavg()[0]!];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 5_000);
  const chunker = createChunker();
  const pool = chunk === "pool" ? createChunkerPool({ threads }) : null;
  let conversations = 0;
  let chunks = 0;
  const inFlight: Promise<void>[] = [];
  try {
    for await (const conversation of readExport(INPUT)) {
      conversations++;
      if (chunk === "in-process") for (const _ of chunker.chunk(conversation)) chunks++;
      if (pool) {
        inFlight.push(
          pool.chunk(conversation).then((list) => {
            chunks += list.length;
          }),
        );
        if (inFlight.length >= 64) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(sampler);
    await pool?.close();
  }
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  loads.push(loadavg()[0]!);
  return {
    "wall s": wallS,
    "MB/s": statSync(INPUT).size / 1e6 / wallS,
    "cpu s": (used.user + used.system) / 1e6,
    "load 1m": loads.reduce((a, b) => a + b, 0) / loads.length,
    conversations,
    chunks,
  };
}

const unique = () => `e2e_${process.pid}_${Date.now()}`;

/** `E2E_CASES="postgres://,redis://"` runs only those cases (a 1 GB run of all three takes long). */
function only<T extends Record<string, unknown>>(cases: T): T {
  const wanted = process.env.E2E_CASES?.split(",").map((c) => c.trim());
  if (!wanted) return cases;
  return Object.fromEntries(Object.entries(cases).filter(([name]) => wanted.includes(name))) as T;
}

export default defineBenchmark({
  description: `the threadmill binary imports a generated ${MB} MB ChatGPT export end to end (hash, parse, chunk, store) on each store`,
  runs: Number(process.env.E2E_RUNS ?? 1),
  baseline: "embedded PGlite",
  higherIsBetter: {
    "wall s": false,
    "MB/s": true,
    "peak RSS MB": false,
    "cpu s": false,
    "import stage s": false,
  },
  goals: {
    "wall s (1 GB)": "<= 60 on postgres://, <= 75 on embedded PGlite (the stages alone are the floor)",
    "peak RSS MB (1 GB)": "<= 300 on postgres:// and on embedded PGlite",
  },
  setup: ensureInput,
  cases: only({
    "embedded PGlite": {
      async run() {
        const dir = join(DIR, unique());
        try {
          const init = await timeBin(["status", "--store", dir, "--json"]);
          if (init.code !== 0)
            throw new Error(`store init failed (${init.code}): ${init.stderr.slice(-2000)}`);
          const metrics = await importWith(dir);
          return {
            ...metrics,
            "wall s": metrics["wall s"]! + init.wallS,
            "MB/s": (metrics["MB/s"]! * metrics["wall s"]!) / (metrics["wall s"]! + init.wallS),
            "store init s": init.wallS,
            "store init peak RSS MB": init.maxRssMb,
          };
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    "postgres://": {
      async run() {
        const schema = unique();
        try {
          return importWith(`${POSTGRES_URL}?schema=${schema}`);
        } finally {
          const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
          await sql.unsafe(`drop schema if exists "${schema}" cascade`);
          await sql.end();
        }
      },
    },
    "redis://": {
      async run() {
        const prefix = unique();
        try {
          return importWith(`${REDIS_URL}?prefix=${prefix}`);
        } finally {
          const client = new Redis(REDIS_URL);
          let cursor = "0";
          do {
            const [next, keys] = await client.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
            cursor = next;
            if (keys.length > 0) await client.unlink(...keys);
          } while (cursor !== "0");
          client.disconnect();
        }
      },
    },
    "stages: parse": { run: () => stagesAlone("none") },
    "stages: parse + chunk in-process": { run: () => stagesAlone("in-process") },
    "stages: parse + chunk pool": { run: () => stagesAlone("pool") },
  }),
});
