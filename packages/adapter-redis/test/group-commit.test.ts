// Group commit on its own, with a hand-driven `send`: a lone call goes out at once, calls made while
// batches are on the wire go out together (in order, at most maxBatch a send), groups are independent,
// and a failed send fails its own batch only, whether it rejects or throws.
import { describe, expect, it } from "vitest";
import { createGroupCommit } from "../src/group-commit.js";

/** A send whose calls the test answers one by one. */
function manualSend() {
  const calls: { group: string; batch: readonly number[]; answer(fail?: Error): void }[] = [];
  const send = (group: string, batch: readonly number[]) =>
    new Promise<readonly number[]>((resolve, reject) => {
      calls.push({
        group,
        batch,
        answer: (fail) => (fail ? reject(fail) : resolve(batch.map((n) => n * 10))),
      });
    });
  return { calls, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createGroupCommit", () => {
  it("sends a lone call at once and batches the calls made while it is on the wire", async () => {
    const { calls, send } = manualSend();
    const commit = createGroupCommit({ maxBatch: 2, maxInFlight: 1, send });
    const first = commit("a", 1);
    expect(calls.map((c) => c.batch)).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((n) => commit("a", n));
    expect(calls).toHaveLength(1);
    calls[0]!.answer();
    expect(await first).toBe(10);
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1], [2, 3]]);
    calls[1]!.answer();
    await tick();
    calls[2]!.answer();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(calls.map((c) => c.batch)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("keeps up to maxInFlight batches of a group on the wire, and groups apart", async () => {
    const { calls, send } = manualSend();
    const commit = createGroupCommit({ maxBatch: 10, maxInFlight: 2, send });
    const all = [commit("a", 1), commit("a", 2), commit("a", 3), commit("b", 4)];
    expect(calls.map((c) => [c.group, c.batch])).toEqual([
      ["a", [1]],
      ["a", [2]],
      ["b", [4]],
    ]);
    for (const call of calls.slice()) call.answer();
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1], [2], [4], [3]]);
    calls[3]!.answer();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40]);
  });

  it("fails only the batch whose send rejected, then goes on", async () => {
    const { calls, send } = manualSend();
    const commit = createGroupCommit({ maxBatch: 10, maxInFlight: 1, send });
    const first = commit("a", 1);
    const second = [commit("a", 2), commit("a", 3)];
    calls[0]!.answer(new Error("down"));
    await expect(first).rejects.toThrow("down");
    await tick();
    calls[1]!.answer();
    expect(await Promise.all(second)).toEqual([20, 30]);
  });

  it("fails the batch of a send that throws instead of rejecting, then goes on", async () => {
    let throwNext = true;
    const commit = createGroupCommit<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      send: async (_group, batch) => {
        if (throwNext) {
          throwNext = false;
          throw new Error("encode failed");
        }
        return batch.map((n) => n + 1);
      },
    });
    const syncThrow = createGroupCommit<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      send: (_group, batch) => {
        if (batch.includes(0)) throw new Error("thrown at once");
        return Promise.resolve(batch.map((n) => n + 1));
      },
    });
    await expect(commit("a", 1)).rejects.toThrow("encode failed");
    expect(await commit("a", 1)).toBe(2);
    await expect(syncThrow("a", 0)).rejects.toThrow("thrown at once");
    expect(await syncThrow("a", 5)).toBe(6);
  });
});
