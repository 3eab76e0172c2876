import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { StoreLockedError } from "@threadmill/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteAdapter } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, "..");
const child = join(here, "fixtures", "pglite-child.ts");
const work = mkdtempSync(join(tmpdir(), "tm-pglite-"));
const children: ChildProcess[] = [];
let template = "";
let n = 0;

/** A fresh store directory copied from one initialised once (a new one costs seconds). */
function storeCopy(): string {
  n += 1;
  const dir = join(work, `store-${n}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Starts the child in `mode`, resolving with its first stdout line as JSON. */
function startChild(
  mode: string,
  dataDir: string,
): { proc: ChildProcess; first: Promise<Record<string, unknown>> } {
  // core's Lua imports as text (`.lua`), which tsx alone cannot load.
  const luaText = join(packageRoot, "..", "..", "scripts", "register-lua-text.mjs");
  const proc = spawn(process.execPath, ["--import", "tsx", "--import", luaText, child, mode, dataDir], {
    cwd: packageRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(proc);
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) resolve(JSON.parse(line));
    });
    proc.once("exit", (code) => reject(new Error(`child exited with ${code} before reporting`)));
  });
  return { proc, first };
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

beforeAll(async () => {
  template = join(work, "template");
  const adapter = await createPgliteAdapter({ dataDir: template });
  await adapter.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map(killed));
  rmSync(work, { recursive: true, force: true });
});

describe("PGlite store directory (single owner, crash repair)", () => {
  it("a second process gets StoreLockedError naming the owner's pid; once the owner is SIGKILLed the lock is taken over at once", async () => {
    const dir = storeCopy();
    const owner = startChild("hold", dir);
    expect(await owner.first).toEqual({ ready: true });
    const lock = JSON.parse(readFileSync(join(dir, "owner.lock"), "utf8"));
    expect(lock.pid).toBe(owner.proc.pid);

    const error = await createPgliteAdapter({ dataDir: dir }).catch((e: unknown) => e);
    expect(StoreLockedError.isInstance(error)).toBe(true);
    expect((error as StoreLockedError).ownerPid).toBe(owner.proc.pid);
    expect((error as Error).message).toContain(String(owner.proc.pid));
    expect((error as Error).message).toMatch(/postgres:\/\/ or redis:\/\//);

    await killed(owner.proc);
    // Taken over without waiting for any timeout: the lock step itself is timed in pglite-lock.test.ts.
    const adapter = await createPgliteAdapter({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, "owner.lock"), "utf8")).pid).toBe(process.pid);
    await adapter.close();
    expect(existsSync(join(dir, "owner.lock"))).toBe(false);
  });

  it("the same process opening the store twice also gets StoreLockedError", async () => {
    const dir = storeCopy();
    const adapter = await createPgliteAdapter({ dataDir: dir });
    try {
      const error = await createPgliteAdapter({ dataDir: dir }).catch((e: unknown) => e);
      expect(StoreLockedError.isInstance(error)).toBe(true);
    } finally {
      await adapter.close();
    }
  });

  it("a process SIGKILLed mid-job leaves a directory the next process reopens and resumes: its lease is expired at once, its checkpoint kept", async () => {
    const dir = storeCopy();
    const worker = startChild("job", dir);
    const report = (await worker.first) as { jobId: string; epoch: number };
    await killed(worker.proc);
    const adapter = await createPgliteAdapter({ dataDir: dir });
    try {
      const claim = await adapter.queue.claim("next", 15_000);
      expect(claim?.job.id).toBe(report.jobId);
      expect(claim?.lease.epoch).toBe(report.epoch + 1);
      expect(await adapter.checkpoints.load("local", report.jobId)).toEqual({
        stage: "import",
        cursors: { import: { offset: 1234 } },
        completed: [],
        counts: { conversations: 7 },
      });
    } finally {
      await adapter.close();
    }
  });

  it("a stale postmaster.pid left in the data directory is cleared, never reported as corrupt", async () => {
    const dir = storeCopy();
    writeFileSync(join(dir, "pgdata", "postmaster.pid"), "999999\n/pglite/data\n1\n");
    const adapter = await createPgliteAdapter({ dataDir: dir });
    const { job } = await adapter.jobs.create({
      tenant: "t",
      pipeline: "p",
      input: { kind: "file", path: "x" },
    });
    expect((await adapter.jobs.get("t", job.id))?.status).toBe("queued");
    await adapter.close();
  });

  it("a half-created data directory (no PG_VERSION, leftover init folder) is re-created", async () => {
    const dir = join(work, "half");
    mkdirSync(join(dir, "pgdata", "base"), { recursive: true });
    writeFileSync(join(dir, "pgdata", "postgresql.conf"), "# partial\n");
    mkdirSync(join(dir, "pgdata.init-999999"), { recursive: true });
    const adapter = await createPgliteAdapter({ dataDir: dir });
    expect(await adapter.jobs.list("t")).toEqual([]);
    await adapter.close();
    expect(existsSync(join(dir, "pgdata", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dir, "pgdata.init-999999"))).toBe(false);
  }, 60_000);

  it("SIGKILL during the first initialisation (at a random point in 1-4 s) leaves a store the next open completes", async () => {
    for (const delay of [1000 + Math.floor(Math.random() * 3000)]) {
      const dir = join(work, `killed-init-${delay}`);
      const proc = startChild("init", dir);
      await proc.first;
      await new Promise((r) => setTimeout(r, delay));
      await killed(proc.proc);
      const adapter = await createPgliteAdapter({ dataDir: dir });
      const { job } = await adapter.jobs.create({
        tenant: "t",
        pipeline: "p",
        input: { kind: "file", path: "x" },
      });
      expect((await adapter.jobs.get("t", job.id))?.id).toBe(job.id);
      await adapter.close();
    }
  }, 120_000);
});
