import { describe, expect, it } from "vitest";
import { eachConcurrently } from "./each-concurrently.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("eachConcurrently", () => {
  it("runs every item, never more than the limit at once, starting them in order", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await eachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n % 3; i++) await tick();
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it("starts nothing after a failure, waits for the calls in flight, then throws the first failure", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = eachConcurrently([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error("first");
      await tick();
      await tick();
      finished.push(n);
    });
    await expect(run).rejects.toThrow("first");
    expect(started).toEqual([1, 2]);
    // The call in flight when 1 failed had ended before the failure was thrown.
    expect(finished).toEqual([2]);
  });

  it("throws the first failure when several calls fail", async () => {
    const run = eachConcurrently([1, 2], 2, async (n) => {
      await tick();
      throw new Error(`failed ${n}`);
    });
    await expect(run).rejects.toThrow("failed 1");
  });

  it("with a limit of 1 runs the items one after another", async () => {
    const log: string[] = [];
    await eachConcurrently(["a", "b"], 1, async (x) => {
      log.push(`${x} start`);
      await tick();
      log.push(`${x} end`);
    });
    expect(log).toEqual(["a start", "a end", "b start", "b end"]);
  });
});
