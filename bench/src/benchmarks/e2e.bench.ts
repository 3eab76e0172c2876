// End to end: the built `threadmill` binary imports a generated ChatGPT export (1 GB by default;
// E2E_MB=100 for a quick run) into the embedded PGlite store, into Postgres and into Redis, as a
// user would run it (`threadmill import conversations.json --store ... --json`). Reported per run:
// wall time, MB/s, the CLI process's peak RSS (GNU time's max RSS), and the time by stage read from
// the job's own events: hashing the input + opening the store (to the `queued` event), the import
// stage (parse + render + chunk + store, from its `stage` event to `succeeded`), and the rest
// (closing). Needs `pnpm build` first. Each case's store is unique and removed after the run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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

/** Runs the binary under GNU time; returns its JSON lines and its peak RSS. */
function importWith(store: string): Metrics {
  const started = performance.now();
  const startedAt = Date.now();
  const child = spawnSync(
    "/usr/bin/time",
    ["-f", "@@maxrss %M", process.execPath, BIN, "import", INPUT, "--store", store, "--json"],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, THREADMILL_STORE: undefined } },
  );
  const wallS = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`import failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const lines = child.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number | string>);
  const at = (type: string) => lines.find((e) => e.type === type)?.at as number;
  const summary = lines.at(-1)!;
  if (summary.status !== "succeeded") throw new Error(`job ended ${summary.status}`);
  const maxRssKb = Number(/@@maxrss (\d+)/.exec(child.stderr)?.[1]);
  const bytes = statSync(INPUT).size;
  const queued = at("queued");
  const stage = at("stage");
  const succeeded = at("succeeded");
  return {
    "wall s": wallS,
    "MB/s": bytes / 1e6 / wallS,
    "peak RSS MB": maxRssKb / 1024,
    "hash + open s": (queued - startedAt) / 1000,
    "import stage s": (succeeded - stage) / 1000,
    "close s": wallS - (succeeded - startedAt) / 1000,
    conversations: summary.conversations as number,
    chunks: summary.chunks as number,
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
  higherIsBetter: { "wall s": false, "MB/s": true, "peak RSS MB": false, "import stage s": false },
  goals: {
    "wall s (1 GB)": "< 180 (using the chunker pool)",
    "peak RSS MB (postgres://, redis://)": "<= 300 + each tokenizer thread's cost",
    "peak RSS MB (embedded PGlite)": "as low as its settings allow (reported)",
  },
  setup: ensureInput,
  cases: only({
    "embedded PGlite": {
      run() {
        const dir = join(DIR, unique());
        try {
          return importWith(dir);
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
  }),
});
