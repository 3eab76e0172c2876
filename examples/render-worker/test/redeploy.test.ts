// A redeploy as Render does it: two workers share Postgres; the one holding an import mid-way gets
// SIGTERM (Render then waits maxShutdownDelaySeconds, 30 s by default, before SIGKILL). It must hand
// the job back at once, without spending an attempt, and the other worker must finish it with exactly
// the chunk ids of an uninterrupted run. Then the web service: health, submit, status, SSE.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createPostgresAdapter } from "@threadmill/adapter-supabase";
import type { Job } from "@threadmill/core";
import { collectBytes, generateExport } from "@threadmill/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(APP, "../../packages/cli/dist/bin.js");
const DATABASE_URL = process.env.THREADMILL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = `render_${randomBytes(4).toString("hex")}`;
const TENANT = "render-user";
const CI = process.env.CI === "true";

async function missing(): Promise<string | null> {
  if (!existsSync(join(APP, "dist/worker.js"))) return "the example is not built (pnpm build)";
  if (!existsSync(CLI)) return "the CLI is not built (pnpm build)";
  const sql = postgres(DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch {
    return "Postgres is not reachable";
  } finally {
    await sql.end({ timeout: 1 });
  }
}
const why = await missing();
if (why && CI) throw new Error(`The Render example's tests need what CI provides: ${why}.`);

interface Proc {
  readonly child: ChildProcess;
  readonly lines: string[];
  exit: Promise<number | null>;
}

function start(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(APP, "dist", script)], {
    env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: SCHEMA, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  child.stdout!.setEncoding("utf8").on("data", (d: string) => lines.push(...d.split("\n").filter(Boolean)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => lines.push(d));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, exit };
}

async function until<T>(
  read: () => Promise<T | null | undefined | false>,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(why !== null)(`the Render worker example${why ? ` (skipped: ${why})` : ""}`, () => {
  let dir: string;
  let file: string;
  let sql: ReturnType<typeof postgres>;
  const procs: Proc[] = [];
  const job = async (id: string): Promise<Job> =>
    (await createPostgresAdapter({ sql, schema: SCHEMA }).jobs.get(TENANT, id))!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tm-render-"));
    file = join(dir, "export.zip");
    await writeFile(
      file,
      await collectBytes(generateExport({ format: "chatgpt-zip", seed: 22, targetBytes: 20e6 }).bytes()),
    );
    sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await sql?.unsafe(`drop schema if exists ${SCHEMA} cascade`);
    await sql?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a SIGTERMed worker hands its import back at once, no attempt spent, and the other finishes it exactly", async () => {
    // Small units, so the import is mid-way for a while; the lease is the default 15 s, so only the
    // hand-back (not an expiry) can explain a quick resume.
    const env = { THREADMILL_BATCH_BYTES: String(256 * 1024), THREADMILL_CONCURRENCY: "1" };
    const a = start("worker.js", { ...env, THREADMILL_WORKER_ID: "worker-a" });
    procs.push(a);
    await until(async () => a.lines.some((l) => l.includes('"started"')), 20_000, "worker a to start");
    const b = start("worker.js", { ...env, THREADMILL_WORKER_ID: "worker-b" });
    procs.push(b);
    await until(async () => b.lines.some((l) => l.includes('"started"')), 20_000, "worker b to start");

    const adapter = createPostgresAdapter({ sql, schema: SCHEMA });
    const { job: submitted } = await adapter.jobs.create({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "file", path: file },
    });
    const holding = await until(
      async () => {
        const j = await job(submitted.id);
        return j.status === "running" && (j.progress?.done ?? 0) > 0 && j.workerId ? j : null;
      },
      30_000,
      "the import to be running mid-way",
    );
    const holder = holding.workerId === "worker-a" ? a : b;
    const other = holder === a ? "worker-b" : "worker-a";
    const attempts = holding.attempts;
    const sentAt = Date.now();
    holder.child.kill("SIGTERM");
    expect(await holder.exit).toBe(0);
    const handBackMs = Date.now() - sentAt;
    expect(handBackMs).toBeLessThan(20_000); // within the grace, well inside Render's 30 s

    const resumed = await until(
      async () => {
        const j = await job(submitted.id);
        return j.workerId === other || j.status === "succeeded" ? j : null;
      },
      10_000,
      "the other worker to take the job",
    );
    expect(Date.now() - sentAt).toBeLessThan(10_000); // a hand-back, not a 15 s lease expiry
    expect(resumed.attempts).toBeLessThanOrEqual(attempts + 1);
    const done = await until(
      async () => {
        const j = await job(submitted.id);
        return j.status === "succeeded" || j.status === "failed" ? j : null;
      },
      120_000,
      "the import to end",
    );
    expect(done.status).toBe("succeeded");
    // No attempt spent: the hand-back counts none, however many claims it took.
    expect(done.attempts).toBe(attempts);

    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await adapter.chunks.list(TENANT, {
        jobId: submitted.id,
        limit: 5000,
        ...(after ? { after } : {}),
      });
      if (page.length === 0) break;
      ids.push(...page.map((c) => c.id));
      after = page[page.length - 1]!.id;
    }
    expect(ids.sort()).toEqual(await cliChunkIds());
    expect(holder.lines.some((l) => l.includes('"stopped"'))).toBe(true);
    // The next cases need a queue no worker serves (a live worker would claim their jobs at once).
    for (const p of [a, b]) if (p.child.exitCode === null) p.child.kill("SIGTERM");
    await Promise.all([a.exit, b.exit]);
  }, 180_000);

  it("the web service: health, submit, status and the SSE stream", async () => {
    const port = 4300 + Math.floor(Math.random() * 500);
    const web = start("web.js", { PORT: String(port) });
    procs.push(web);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => web.lines.some((l) => l.includes('"listening"')), 20_000, "the web service");
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const readiness = (await health.json()) as {
      ready: boolean;
      store: string;
      migrations: { applied: number; expected: number };
    };
    expect(readiness).toMatchObject({ ready: true, store: "postgres" });
    expect(readiness.migrations.applied).toBe(readiness.migrations.expected);
    expect((await fetch(`${base}/imports`, { method: "POST", body: "{}" })).status).toBe(401);
    const headers = { "x-tenant": TENANT, "content-type": "application/json" };
    const bad = await fetch(`${base}/imports`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: "file:///etc/passwd" }),
    });
    expect(bad.status).toBe(400);
    const created = await fetch(`${base}/imports`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: "http://127.0.0.1:9/export.zip", idempotencyKey: "k1" }),
    });
    expect(created.status).toBe(201);
    const { jobId } = (await created.json()) as { jobId: string };
    const again = await fetch(`${base}/imports`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: "http://127.0.0.1:9/export.zip", idempotencyKey: "k1" }),
    });
    expect(((await again.json()) as { jobId: string }).jobId).toBe(jobId);
    const status = (await (await fetch(`${base}/imports/${jobId}`, { headers })).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ id: jobId, status: "queued" });
    expect(status.input).toBeUndefined();
    // Another tenant does not see it.
    expect(
      (await fetch(`${base}/imports/${jobId}`, { headers: { "x-tenant": "someone-else" } })).status,
    ).toBe(404);
    // The stream replays the queued event; the job stays queued (no worker runs now), so stop reading.
    const events = await fetch(`${base}/imports/${jobId}/events`, { headers });
    expect(events.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = events.body!.getReader();
    let text = "";
    while (!text.includes("event: queued")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    web.child.kill("SIGTERM");
    expect(await web.exit).toBe(0);
  }, 60_000);

  it("the cron job's cleanup removes finished jobs and keeps queued ones and the library", async () => {
    const adapter = createPostgresAdapter({ sql, schema: SCHEMA });
    const before = await adapter.jobs.list(TENANT);
    const finished = before.filter((j) => j.status === "succeeded").map((j) => j.id);
    expect(finished.length).toBeGreaterThan(0);
    const library = await adapter.conversations.count(TENANT, { library: true });
    expect(library).toBeGreaterThan(0);
    const kept = await run(process.execPath, [join(APP, "dist", "cleanup.js")], {
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: SCHEMA, THREADMILL_RETENTION_DAYS: "30" },
    });
    expect(JSON.parse(kept.stdout)).toMatchObject({ event: "cleanup", jobs: 0 });
    const cleaned = await run(process.execPath, [join(APP, "dist", "cleanup.js")], {
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: SCHEMA, THREADMILL_RETENTION_DAYS: "0" },
    });
    expect(JSON.parse(cleaned.stdout)).toMatchObject({ event: "cleanup", jobs: finished.length });
    const after = await adapter.jobs.list(TENANT);
    expect(after.map((j) => j.id).sort()).toEqual(
      before
        .filter((j) => j.status !== "succeeded")
        .map((j) => j.id)
        .sort(),
    );
    expect(await adapter.conversations.count(TENANT, { library: true })).toBe(library);
  }, 60_000);

  let reference: string[] | undefined;
  async function cliChunkIds(): Promise<string[]> {
    if (reference) return reference;
    const store = join(dir, "cli-store");
    const imported = await run(process.execPath, [CLI, "import", file, "--store", store, "--json"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const summary = imported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { jobId?: string })
      .findLast((line) => line.jobId !== undefined);
    const exported = await run(
      process.execPath,
      [CLI, "export", summary!.jobId!, "--what", "chunks", "--store", store],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    reference = exported.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id)
      .sort();
    return reference;
  }
});
