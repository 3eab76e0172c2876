import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBin, startBin, tempDir, waitForOutput } from "./helpers.js";

const FIXTURE = "/work/shared/fixtures/real/claude-2025-real-thinking-blocks-yaleman.json";
const cleanups: (() => void)[] = [];
beforeAll(() => assertBuilt());
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function store() {
  const dir = tempDir("threadmill-cli-lock-");
  cleanups.push(dir.cleanup);
  return join(dir.path, "store");
}

describe("the embedded PGlite store has one owner at a time", { timeout: 180_000 }, () => {
  it("a second process exits 2 naming the owner; the store is intact afterwards", async () => {
    const dir = store();
    const owner = startBin(["worker", "--store", dir]);
    cleanups.push(() => owner.kill("SIGKILL"));
    await waitForOutput(owner, (r) => r.stderr.includes("serving"));

    const second = await runBin(["status", "--store", dir]);
    expect(second.code).toBe(2);
    expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(second.stderr).toContain(`in use by process ${owner.pid}`);
    expect(second.stderr).toMatch(/postgres:\/\/ or redis:\/\//);

    const import2 = await runBin(["import", FIXTURE, "--store", dir]);
    expect(import2.code).toBe(2);
    expect(import2.stderr).toContain(`in use by process ${owner.pid}`);

    owner.kill("SIGTERM");
    const ended = await owner.done;
    expect(ended.code).toBe(143);
    expect(ended.stderr).toContain("worker stopped");

    const after = await runBin(["import", FIXTURE, "--store", dir, "--json"]);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
    const status = await runBin(["status", "--store", dir, "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ status: "succeeded" }]);
  });

  it("a lock left by a process killed with SIGKILL is taken over at once", async () => {
    const dir = store();
    const first = startBin(["worker", "--store", dir]);
    await waitForOutput(first, (r) => r.stderr.includes("serving"));
    first.kill("SIGKILL");
    await first.done;
    expect(existsSync(join(dir, "owner.lock"))).toBe(true);
    const started = Date.now();
    const next = await runBin(["status", "--store", dir]);
    expect(next.stderr).toBe("");
    expect(next.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000); // no lease or lock timeout is waited out
  });

  it("a process killed during the directory's first initialisation leaves a store the next one repairs", async () => {
    const dir = store();
    const first = startBin(["status", "--store", dir]);
    // The lock is taken before PGlite initialises the directory (seconds): kill right after it appears.
    const until = Date.now() + 30_000;
    while (!existsSync(join(dir, "owner.lock")) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 5));
    first.kill("SIGKILL");
    await first.done;
    expect(existsSync(join(dir, "pgdata", "PG_VERSION"))).toBe(false); // the kill did land mid-initialisation

    const next = await runBin(["import", FIXTURE, "--store", dir, "--json"]);
    expect(next.stderr).toBe("");
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('"status":"succeeded"');
  });
});
