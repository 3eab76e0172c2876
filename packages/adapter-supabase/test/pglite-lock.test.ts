import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreLockedError } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { acquirePgliteLock } from "../src/pglite-lock.js";

const dir = mkdtempSync(join(tmpdir(), "tm-lock-"));
let n = 0;
const lockPath = () => join(dir, `owner-${++n}.lock`);

describe("acquirePgliteLock", () => {
  it("creates the lock with this pid and removes it on release", async () => {
    const path = lockPath();
    const lock = await acquirePgliteLock(path, "/store");
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    await lock.release();
    await lock.release();
    const again = await acquirePgliteLock(path, "/store");
    await again.release();
  });

  it("a live owner's lock throws StoreLockedError with its pid", async () => {
    const path = lockPath();
    const sleeper = spawn("sleep", ["30"]);
    try {
      writeFileSync(
        path,
        JSON.stringify({ pid: sleeper.pid, hostname: (await import("node:os")).hostname(), acquiredAt: 1 }),
      );
      const error = await acquirePgliteLock(path, "/store").catch((e: unknown) => e);
      expect(StoreLockedError.isInstance(error)).toBe(true);
      expect((error as StoreLockedError).ownerPid).toBe(sleeper.pid);
      expect((error as StoreLockedError).path).toBe("/store");
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("a lock whose pid is gone (or unreadable garbage) is taken over at once (< 500 ms)", async () => {
    for (const content of [
      JSON.stringify({ pid: 2 ** 22 + 12345, hostname: (await import("node:os")).hostname(), acquiredAt: 1 }),
      "not json",
      "",
    ]) {
      const path = lockPath();
      writeFileSync(path, content);
      const started = performance.now();
      const lock = await acquirePgliteLock(path, "/store");
      expect(performance.now() - started).toBeLessThan(500);
      expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
      await lock.release();
    }
  });
});
