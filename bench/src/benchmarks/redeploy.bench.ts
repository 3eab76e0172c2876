// A redeploy as Render does it (issue 22), 10 in a row on a 100 MB import. Two workers, each its own
// process, run the Render example's built worker (examples/render-worker/dist/worker.js) on a fresh
// Postgres schema with the example's defaults (2 claim loops, LISTEN/NOTIFY with a 1 s poll behind it,
// 20 s grace, 2 MB units; BENCH_REDEPLOY_BATCH_MB overrides the unit size).
// One import job; each redeploy SIGTERMs the worker holding it once it has checkpointed progress since
// it took the job, then starts a fresh worker in its place (the new deploy). Per redeploy: the
// hand-back (SIGTERM to the job back in the queue, lease released), the pick-up (SIGTERM to the other
// worker's claim: the job's epoch incremented, held by that worker) and the terminated process's exit.
// Goal: hand-back < 1 s. Then the job must succeed with no attempt spent by a hand-back and exactly
// the chunk ids of the baseline: the same import by one worker, uninterrupted, measured in the same
// run (its total time is what the ratio of "total s" compares against).
//
// Env: BENCH_REDEPLOY_MB (export size, default 100), BENCH_REDEPLOY_COUNT (redeploys, default 10),
// BENCH_REDEPLOY_BATCH_MB (THREADMILL_BATCH_BYTES of the workers in MiB; default: the example's),
// BENCH_REDEPLOY_JITTER_MS (a seeded random wait, 0..this, between the progress seen and the SIGTERM,
// so the signal falls anywhere in a unit as Render's does; default 1000), TM_BENCH_POSTGRES_URL.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPostgresAdapter, migrate } from "@threadmill/adapter-supabase";
import type { Job } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { generateExportToFile } from "@threadmill/testkit";
import postgres from "postgres";
import { type CaseContext, defineBenchmark, type Metrics, median } from "../harness.js";

const DIR = process.env.PARSE_BENCH_DIR ?? "/tmp/threadmill-bench";
const MB = Number(process.env.BENCH_REDEPLOY_MB) || 100;
const REDEPLOYS = Number(process.env.BENCH_REDEPLOY_COUNT) || 10;
/** The workers' THREADMILL_BATCH_BYTES; `null`: unset, the example's (2,000,000 bytes). */
const BATCH_BYTES =
  process.env.BENCH_REDEPLOY_BATCH_MB === undefined || process.env.BENCH_REDEPLOY_BATCH_MB === "default"
    ? null
    : Math.round(Number(process.env.BENCH_REDEPLOY_BATCH_MB) * 1024 * 1024);
const UNITS =
  BATCH_BYTES === null ? "the example's default units (2 MB)" : `units of ${BATCH_BYTES / 1024 / 1024} MiB`;
const JITTER_MS = Number(process.env.BENCH_REDEPLOY_JITTER_MS ?? 1000);
const URL = process.env.TM_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const TENANT = "bench";
const GOAL_MS = 1000;
/** How often the job record is read while a hand-back is timed (the figures' resolution). */
const POLL_MS = 10;
const WORKER = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../../examples/render-worker/dist/worker.js",
);
/** The chunk ids of the baseline case, for the redeploy case of the same `pnpm bench` run (its pid). */
const idsFile = () => `${DIR}/redeploy-${MB}mb.baseline-ids.${process.ppid}.json`;

async function input(): Promise<{ path: string; mb: number }> {
  const path = `${DIR}/redeploy-${MB}mb.json`;
  if (!existsSync(path)) {
    mkdirSync(DIR, { recursive: true });
    await generateExportToFile(`${path}.partial.${process.pid}`, {
      format: "chatgpt-json",
      seed: 22,
      targetBytes: MB * 1e6,
      longConversations: 5,
      truth: "counts",
    });
    if (!existsSync(path)) renameSync(`${path}.partial.${process.pid}`, path);
  }
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: build the example (pnpm build)`);
  return { path, mb: statSync(path).size / 1e6 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` every `pollMs` (50 ms; 10 ms while a hand-back is timed) until it returns a value. */
async function until<T>(
  read: () => Promise<T | null | undefined | false>,
  ms: number,
  what: string,
  pollMs = 50,
) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** mulberry32: the SIGTERM offsets are the same from run to run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Worker {
  readonly id: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Exit code and when (Date.now()) it was seen. */
  readonly exit: Promise<{ code: number | null; at: number }>;
}

/**
 * One deploy of the example's worker, as Render runs it: its own process, the example's defaults.
 * A start that fails (a package's dist rebuilt at that moment in a shared checkout) is retried.
 */
async function startWorker(schema: string, id: string): Promise<Worker> {
  for (let tries = 1; ; tries++) {
    try {
      return await startWorkerOnce(schema, id);
    } catch (error) {
      if (tries >= 10) throw error;
      console.error(
        `   worker ${id} did not start (try ${tries}), again in 3 s: ${String(error).slice(0, 300)}`,
      );
      await sleep(3000);
    }
  }
}

async function startWorkerOnce(schema: string, id: string): Promise<Worker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: URL,
    DATABASE_SCHEMA: schema,
    THREADMILL_WORKER_ID: id,
  };
  if (BATCH_BYTES !== null) env.THREADMILL_BATCH_BYTES = String(BATCH_BYTES);
  else delete env.THREADMILL_BATCH_BYTES;
  delete env.REDIS_URL; // the example prefers Redis when it is set
  const child = spawn(process.execPath, [WORKER], { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  child.stdout!.setEncoding("utf8").on("data", (d: string) => lines.push(...d.split("\n").filter(Boolean)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => lines.push(d));
  const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: Date.now() })),
  );
  const worker = { id, child, lines, exit };
  await Promise.race([
    until(async () => lines.some((l) => l.includes('"started"')), 60_000, `worker ${id} to start`),
    exit.then(({ code }) => {
      throw new Error(`worker ${id} exited ${code} before it started:\n${lines.join("\n")}`);
    }),
  ]);
  return worker;
}

/** A fresh schema, its adapter, a job submitted on it; `close` ends the workers and drops the schema. */
async function openRun(path: string) {
  const sql = postgres(URL, { max: 4, prepare: false, onnotice: () => {} });
  const schema = `tm_bench_redeploy_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  await migrate(sql, { schema });
  const store = createPostgresAdapter({ sql, schema });
  const workers: Worker[] = [];
  const get = async (id: string): Promise<Job> => (await store.jobs.get(TENANT, id))!;
  const submit = async () => {
    // Submitted through a runner that never starts: the job and its `queued` event, as the web service does.
    const runner = createRunner({ store, pipelines: { import: createImportPipeline() } });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "file", path },
    });
    return job;
  };
  const chunkIds = async (jobId: string) => {
    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await store.chunks.list(TENANT, { jobId, limit: 5000, ...(after ? { after } : {}) });
      ids.push(...page.map((c) => c.id));
      if (page.length < 5000) return ids.sort();
      after = page[page.length - 1]!.id;
    }
  };
  const close = async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exit));
    await store.close();
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
    await sql.end({ timeout: 5 });
  };
  const start = async (id: string) => {
    const w = await startWorker(schema, id);
    workers.push(w);
    return w;
  };
  return { store, schema, get, submit, chunkIds, close, start };
}

const done = (job: Job) =>
  job.status === "succeeded" || job.status === "failed" || job.status === "cancelled";

async function waitForEnd(get: (id: string) => Promise<Job>, id: string): Promise<Job> {
  const job = await until(
    async () => {
      const j = await get(id);
      return done(j) ? j : null;
    },
    30 * 60_000,
    "the import to end",
  );
  if (job.status !== "succeeded") throw new Error(`the import ended ${job.status}: ${job.error?.message}`);
  return job;
}

/** The baseline: one worker, never interrupted; writes its chunk ids for the redeploy case. */
async function uninterrupted(): Promise<Metrics> {
  const { path, mb } = await input();
  const run = await openRun(path);
  try {
    await run.start("only-1");
    const job = await run.submit();
    const end = await waitForEnd(run.get, job.id);
    const ids = await run.chunkIds(job.id);
    writeFileSync(`${idsFile()}.${process.pid}`, JSON.stringify(ids));
    renameSync(`${idsFile()}.${process.pid}`, idsFile());
    const seconds = (end.finishedAt! - end.createdAt) / 1000;
    return { "total s": seconds, "MB/s": mb / seconds, chunks: ids.length, "attempts at end": end.attempts };
  } finally {
    await run.close();
  }
}

interface Redeploy {
  readonly from: string;
  readonly to: string | null;
  /** The job's progress (conversations checkpointed) when SIGTERM was sent. */
  readonly conversations: number;
  readonly handBackMs: number;
  /** `null` when the job ended in that unit, so no worker picked it up. */
  readonly pickUpMs: number | null;
  readonly exitMs: number;
  readonly exitCode: number | null;
  /** The worker's own log: how long its `runner.stop()` + `store.close()` took. */
  readonly stoppedMs: number | null;
  /** The job's `attempts` when the other worker held it (1 = the claim's own; more = an attempt spent). */
  readonly attemptsAtPickUp: number | null;
}

async function redeploys(ctx: CaseContext): Promise<Metrics> {
  const { path, mb } = await input();
  if (!existsSync(idsFile())) throw new Error("the baseline case did not run first in this pnpm bench run");
  const expected = JSON.parse(readFileSync(idsFile(), "utf8")) as string[];
  if (ctx.run === (Number(process.env.BENCH_RUNS) || 1) - 1) rmSync(idsFile());
  const next = random(22);
  const run = await openRun(path);
  try {
    const deploys = { a: 1, b: 1 };
    const slot = (id: string) => id.slice(0, 1) as "a" | "b";
    const live = new Map<"a" | "b", Worker>();
    live.set("a", await run.start("a-1"));
    live.set("b", await run.start("b-1"));
    const job = await run.submit();
    const log: Redeploy[] = [];
    let held = await until(
      async () => {
        const j = await run.get(job.id);
        return j.status === "running" && j.workerId ? j : done(j) ? j : null;
      },
      60_000,
      "the first claim",
    );
    let since = held.counts.conversations ?? 0;
    while (log.length < REDEPLOYS && !done(held)) {
      // The holder has checkpointed a unit since it took the job; then SIGTERM at a random moment.
      const progressed = await until(
        async () => {
          const j = await run.get(job.id);
          return done(j) || (j.epoch === held.epoch && (j.counts.conversations ?? 0) > since) ? j : null;
        },
        120_000,
        "progress since the last hand-back",
      );
      if (done(progressed)) break;
      await sleep(next() * JITTER_MS);
      const before = await run.get(job.id);
      if (done(before)) break;
      if (before.epoch !== held.epoch)
        throw new Error(`the job changed hands unasked: ${JSON.stringify(before)}`);
      const holder = live.get(slot(before.workerId!))!;
      const other = live.get(slot(before.workerId!) === "a" ? "b" : "a")!;
      let exited: { code: number | null; at: number } | null = null;
      void holder.exit.then((e) => {
        exited = e;
      });
      const sentAt = Date.now();
      holder.child.kill("SIGTERM");
      let handBackAt: number | null = null;
      let pickUpAt: number | null = null;
      let attemptsAtPickUp: number | null = null;
      let after = before;
      await until(
        async () => {
          after = await run.get(job.id);
          const now = Date.now();
          if (handBackAt === null && (after.status !== "running" || after.epoch !== before.epoch))
            handBackAt = now;
          if (pickUpAt === null && after.epoch > before.epoch && after.workerId === other.id) {
            pickUpAt = now;
            attemptsAtPickUp = after.attempts;
          }
          return exited !== null && (pickUpAt !== null || done(after));
        },
        60_000,
        `the hand-back of ${holder.id} to ${other.id}`,
        POLL_MS,
      );
      const exit = exited as unknown as { code: number | null; at: number };
      const stopped = holder.lines.find((l) => l.includes('"stopped"'));
      log.push({
        from: holder.id,
        to: pickUpAt === null ? null : other.id,
        conversations: before.counts.conversations ?? 0,
        handBackMs: handBackAt! - sentAt, // set: a new epoch or an ended job is a released lease
        pickUpMs: pickUpAt === null ? null : pickUpAt - sentAt,
        exitMs: exit.at - sentAt,
        exitCode: exit.code,
        stoppedMs: stopped ? (JSON.parse(stopped) as { ms: number }).ms : null,
        attemptsAtPickUp,
      });
      held = after;
      since = held.counts.conversations ?? 0;
      // The new deploy takes the terminated worker's place (and is up before the next SIGTERM).
      const s = slot(holder.id);
      deploys[s]++;
      live.set(s, await run.start(`${s}-${deploys[s]}`));
      held = await run.get(job.id);
    }
    const end = await waitForEnd(run.get, job.id);
    if (log.length === 0) throw new Error("the import ended before the first redeploy: use a larger export");
    const ids = await run.chunkIds(job.id);
    const have = new Set(ids);
    const want = new Set(expected);
    const differing =
      ids.filter((id) => !want.has(id)).length + expected.filter((id) => !have.has(id)).length;
    const events = await run.store.events.read(TENANT, job.id, null, { limit: 100_000 });
    const started = events.filter((e) => e.type === "started");
    const yielded = events.filter((e) => e.type === "yielded");
    const spent =
      started.filter((e) => e.attempt > 1).length +
      events.filter((e) => e.type === "retrying" || e.type === "failed").length;
    const handBacks = log.map((r) => r.handBackMs);
    const picked = log.filter((r) => r.pickUpMs !== null);
    const pickUps = picked.map((r) => r.pickUpMs!);
    const exits = log.map((r) => r.exitMs);
    printTable(log, {
      claims: started.length,
      yielded: yielded.map((e) => e.message ?? "").join(", "),
      spent,
      differing,
      chunks: ids.length,
      attemptsAtEnd: end.attempts,
    });
    const seconds = (end.finishedAt! - end.createdAt) / 1000;
    return {
      "total s": seconds,
      "MB/s": mb / seconds,
      redeploys: log.length,
      "hand-back ms (median)": median(handBacks),
      "hand-back ms (max)": Math.max(...handBacks),
      "hand-backs >= 1 s": handBacks.filter((ms) => ms >= GOAL_MS).length,
      ...(picked.length === 0
        ? {}
        : {
            "pick-up ms (median)": median(pickUps),
            "pick-up ms (max)": Math.max(...pickUps),
            "idle poll ms (median)": median(picked.map((r) => r.pickUpMs! - r.handBackMs)),
          }),
      "exit ms (median)": median(exits),
      "exit ms (max)": Math.max(...exits),
      "non-zero exits": log.filter((r) => r.exitCode !== 0).length,
      claims: started.length,
      "attempts spent": spent,
      "attempts at end": end.attempts,
      chunks: ids.length,
      "chunk ids differing from baseline": differing,
    };
  } finally {
    await run.close();
  }
}

function printTable(
  log: readonly Redeploy[],
  facts: {
    claims: number;
    yielded: string;
    spent: number;
    differing: number;
    chunks: number;
    attemptsAtEnd: number;
  },
): void {
  const ms = (v: number | null) => (v === null ? "-" : String(Math.round(v)));
  const rows = [
    [
      "#",
      "SIGTERM to",
      "at conv.",
      "hand-back ms",
      "pick-up ms",
      "by",
      "idle poll ms",
      "exit ms",
      "code",
      "stop() ms",
      "attempts",
    ],
    ...log.map((r, i) => [
      String(i + 1),
      r.from,
      String(r.conversations),
      ms(r.handBackMs),
      ms(r.pickUpMs),
      r.to ?? "(job ended)",
      r.pickUpMs === null || r.handBackMs === null ? "-" : ms(r.pickUpMs - r.handBackMs),
      ms(r.exitMs),
      String(r.exitCode),
      ms(r.stoppedMs),
      r.attemptsAtPickUp === null ? "-" : String(r.attemptsAtPickUp),
    ]),
  ];
  const stat = (f: (v: number[]) => number, pick: (r: Redeploy) => number | null) =>
    log.some((r) => pick(r) !== null) ? ms(f(log.map(pick).filter((v): v is number => v !== null))) : "-";
  const max = (v: number[]) => Math.max(...v);
  const gap = (r: Redeploy) =>
    r.pickUpMs === null || r.handBackMs === null ? null : r.pickUpMs - r.handBackMs;
  for (const [name, f] of [
    ["median", median],
    ["max", max],
  ] as const) {
    rows.push([
      name,
      "",
      "",
      stat(f, (r) => r.handBackMs),
      stat(f, (r) => r.pickUpMs),
      "",
      stat(f, gap),
      stat(f, (r) => r.exitMs),
      "",
      stat(f, (r) => r.stoppedMs),
      "",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const out = rows.map((r) => `   | ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`);
  out.splice(1, 0, `   | ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  const met = log.length > 0 && log.every((r) => r.handBackMs < GOAL_MS);
  console.error(
    [
      "",
      `   ${log.length} redeploys, ${MB} MB, ${UNITS}, SIGTERM 0-${JITTER_MS} ms after progress:`,
      ...out,
      `   goal hand-back < ${GOAL_MS} ms: ${met ? "met" : "NOT met"} (${log.filter((r) => r.handBackMs >= GOAL_MS).length} of ${log.length} at or over)`,
      `   claims ${facts.claims}; yielded: ${facts.yielded || "none"}; attempts spent ${facts.spent}; attempts at end ${facts.attemptsAtEnd}; chunks ${facts.chunks}, ${facts.differing} ids differing from the baseline`,
      "",
    ].join("\n"),
  );
}

export default defineBenchmark({
  description: `a ${MB} MB ChatGPT export imported by the Render example's workers on Postgres (${UNITS}), ${REDEPLOYS} redeploys (SIGTERM the holder, start a fresh worker) vs one worker uninterrupted`,
  runs: 1,
  interleave: true,
  baseline: "uninterrupted (one worker)",
  higherIsBetter: {
    "total s": false,
    "MB/s": true,
    "hand-back ms (median)": false,
    "hand-back ms (max)": false,
    "pick-up ms (median)": false,
    "pick-up ms (max)": false,
    "exit ms (median)": false,
    "exit ms (max)": false,
  },
  setup: () => input(),
  cases: {
    "uninterrupted (one worker)": { run: () => uninterrupted() },
    [`${REDEPLOYS} redeploys (workers a, b)`]: { run: (ctx) => redeploys(ctx) },
  },
  pairs: [[`${REDEPLOYS} redeploys (workers a, b)`, "uninterrupted (one worker)", "total s"]],
  goals: {
    "hand-back ms (max)": `< ${GOAL_MS} (SIGTERM to the lease released)`,
    "attempts spent, chunk ids differing from baseline": "0",
  },
});
