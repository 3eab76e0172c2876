import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it } from "vitest";
import { createFaultyAdapter } from "./faulty-adapter.js";

const spec = { tenant: "t", pipeline: "p", input: { kind: "x" } } as const;
const settled = async (p: Promise<unknown>, ms = 50) =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise((r) => setTimeout(() => r(false), ms)),
  ]);

describe("createFaultyAdapter", () => {
  it("kill at a call 'before': that call never reaches the store and nothing after it settles", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store, { killAt: { call: 2, when: "before" } });
    await view.adapter.jobs.create(spec);
    const second = view.adapter.jobs.create({ ...spec, idempotencyKey: "k" });
    expect(await settled(second)).toBe(false);
    expect(view.killed).toBe(true);
    expect(await store.jobs.list("t")).toHaveLength(1);
    expect(await settled(view.adapter.jobs.list("t"))).toBe(false);
    expect(view.history.map((c) => c.result)).toEqual(["ok", "killed"]);
  });

  it("wraps the optional ports too (facts, rate limits, spend): a kill reaches them", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store);
    await view.adapter.facts!.count("t");
    await view.adapter.spend!.setCaps({ tenant: "t" }, { microUsd: 5 });
    view.kill();
    expect(await settled(view.adapter.facts!.list("t"))).toBe(false);
    expect(await settled(view.adapter.rateLimits!.release({ limiter: "l", keys: ["k"], holdId: "h" }))).toBe(
      false,
    );
    expect(view.history.map((c) => `${c.operation}:${c.result}`)).toEqual([
      "facts.count:ok",
      "spend.setCaps:ok",
    ]);
  });

  it("kill at a call 'after': the call takes effect but its answer is lost", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store);
    view.killAt(1, "after");
    expect(await settled(view.adapter.jobs.create(spec))).toBe(false);
    expect(await store.jobs.list("t")).toHaveLength(1);
  });

  it("pause holds calls unsent until resume; failNext drops calls with a retriable StorageError", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store);
    view.pause();
    const held = view.adapter.jobs.create(spec);
    expect(await settled(held)).toBe(false);
    expect(await store.jobs.list("t")).toHaveLength(0);
    expect(view.history[0]?.result).toBe("held");
    view.resume();
    await held;
    expect(await store.jobs.list("t")).toHaveLength(1);
    view.failNext(1);
    const dropped = await view.adapter.jobs.list("t").catch((e: unknown) => e);
    expect(dropped).toMatchObject({ name: "StorageError", retriable: true });
    expect(await view.adapter.jobs.list("t")).toHaveLength(1);
    expect(view.history.map((c) => c.result)).toEqual(["ok", "dropped", "ok"]);
  });

  it("records rejections with the error's name", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store);
    const { job } = await view.adapter.jobs.create(spec);
    const claim = (await view.adapter.queue.claim("w", 10_000))!;
    await store.queue.release(claim.lease);
    await store.queue.claim("other", 10_000);
    await expect(
      view.adapter.checkpoints.save(claim.lease, { stage: "s", cursors: {}, completed: [], counts: {} }),
    ).rejects.toThrow();
    expect(view.history.at(-1)).toMatchObject({
      operation: "checkpoints.save",
      result: "rejected",
      error: "LeaseLostError",
    });
    expect(job.id).toBeTruthy();
  });
});
