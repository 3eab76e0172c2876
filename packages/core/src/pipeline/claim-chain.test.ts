import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createSyntheticPipeline, syntheticSource } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import type { Adapter } from "../ports/adapter.js";
import type { Queue } from "../ports/queue.js";
import { createRunner, type Runner } from "./runner.js";

const TENANT = "tenant-a";

/** The store with its queue's calls counted; `without` leaves `completeAndClaim` out. */
function counted(store: Adapter, options: { without?: boolean; before?: (method: string) => void } = {}) {
  const calls: Record<string, number> = {};
  const inner = store.queue as Queue & Record<string, unknown>;
  const queue = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "completeAndClaim" && options.without) return undefined;
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        options.before?.(String(prop));
        return value.apply(target, args);
      };
    },
  });
  return { adapter: { ...store, queue } as Adapter, calls };
}

function runnerOn(adapter: Adapter): Runner {
  return createRunner({
    store: adapter,
    pipelines: { synthetic: createSyntheticPipeline({ items: 2, itemsPerUnit: 1 }) },
    sources: { synthetic: syntheticSource },
    pollMs: 3_600_000, // an hour: after the backlog, one idle claim and no more
  });
}

async function submitMany(runner: Runner, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      (await runner.submit({ tenant: TENANT, pipeline: "synthetic", input: { kind: "synthetic" } })).job.id,
    );
  }
  return ids;
}

async function waitSucceeded(store: Adapter, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const jobs = await Promise.all(ids.map((id) => store.jobs.get(TENANT, id)));
    if (jobs.every((j) => j?.status === "succeeded")) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the jobs did not all succeed");
}

describe("claim loops and Queue.completeAndClaim", () => {
  it("a busy loop takes its next job in the completion's round trip: one claim for the backlog, then one call per job", async () => {
    const store = createMemoryAdapter();
    const { adapter, calls } = counted(store);
    const runner = runnerOn(adapter);
    const ids = await submitMany(runner, 5);
    runner.start({ concurrency: 1 });
    await waitSucceeded(store, ids);
    await runner.stop();
    expect(calls.completeAndClaim).toBe(5);
    expect(calls.complete ?? 0).toBe(0);
    // The first claim, and the idle one once the last completion found nothing due.
    expect(calls.claim).toBe(2);
    for (const id of ids) {
      const events = await store.events.read(TENANT, id, null);
      expect(events.filter((e) => e.type === "started").map((e) => e.epoch)).toStrictEqual([1]);
    }
  });

  it("a queue without completeAndClaim is worked as before: complete, then claim", async () => {
    const store = createMemoryAdapter();
    const { adapter, calls } = counted(store, { without: true });
    const runner = runnerOn(adapter);
    const ids = await submitMany(runner, 3);
    runner.start({ concurrency: 1 });
    await waitSucceeded(store, ids);
    await runner.stop();
    expect(calls.complete).toBe(3);
    expect(calls.claim).toBe(4);
  });

  it("a job claimed by the completion just as stop began is handed back at once, not left running until its lease lapses", async () => {
    const store = createMemoryAdapter();
    let stopping: Promise<void> | undefined;
    let runner: Runner | undefined;
    const { adapter } = counted(store, {
      // Stop begins after the loop asked for its next job, while the completion's claim is in flight.
      before: (method) => {
        if (method === "completeAndClaim" && !stopping) stopping = runner!.stop({ graceMs: 5_000 });
      },
    });
    runner = runnerOn(adapter);
    const ids = await submitMany(runner, 2);
    runner.start({ concurrency: 1 });
    for (let i = 0; i < 2000 && !stopping; i++) await new Promise((r) => setTimeout(r, 5));
    await stopping;
    // Jobs submitted in the same millisecond may be claimed in either order.
    const jobs = await Promise.all(ids.map((id) => store.jobs.get(TENANT, id)));
    const done = jobs.filter((j) => j?.status === "succeeded");
    const handedBack = jobs.filter((j) => j?.status !== "succeeded");
    expect(done.length).toBe(1);
    expect(handedBack).toHaveLength(1);
    expect(handedBack[0]).toMatchObject({ status: "queued", workerId: null, leaseExpiresAt: null });
  });

  it("runner.work() chains too, and returns idle once the completion finds nothing due", async () => {
    const store = createMemoryAdapter();
    const { adapter, calls } = counted(store);
    const runner = runnerOn(adapter);
    const ids = await submitMany(runner, 3);
    const result = await runner.work({ deadline: Date.now() + 60_000 });
    expect(result.reason).toBe("idle");
    expect(result.runs.map((r) => r.outcome)).toStrictEqual(["succeeded", "succeeded", "succeeded"]);
    expect(calls.completeAndClaim).toBe(3);
    expect(calls.claim).toBe(2);
    await waitSucceeded(store, ids);
  });
});

describe("the checkpoint read of a claim", () => {
  it("is skipped on a job's first claim (epoch 1) and made on every later one, which resumes from it", async () => {
    const store = createMemoryAdapter();
    const { adapter } = counted(store);
    const loads: number[] = [];
    // The first claim is stopped once its first unit's checkpoint is saved. (A deadline of
    // `Date.now() + 1` did this by timing: a warm runner could finish all six units within that
    // millisecond, and a cold one miss it before the claim.)
    const stopFirst = new AbortController();
    const checkpoints = new Proxy(store.checkpoints, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "save") {
          return async (...args: unknown[]) => {
            await value.apply(target, args);
            stopFirst.abort();
          };
        }
        if (prop !== "load") return value;
        return (...args: unknown[]) => {
          loads.push(Date.now());
          return value.apply(target, args);
        };
      },
    });
    const runner = createRunner({
      store: { ...adapter, checkpoints } as Adapter,
      pipelines: { synthetic: createSyntheticPipeline({ items: 6, itemsPerUnit: 1 }) },
      sources: { synthetic: syntheticSource },
    });
    const [id] = await submitMany(runner, 1);
    const first = await runner.work({ signal: stopFirst.signal });
    expect(first.runs).toMatchObject([{ outcome: "released", reason: "signal", epoch: 1, units: 1 }]);
    expect(loads).toHaveLength(0);
    const rest = await runner.work();
    // Resumed from the checkpoint: the five units left, none run twice.
    expect(rest.runs).toMatchObject([{ outcome: "succeeded", epoch: 2, units: 5 }]);
    expect(loads).toHaveLength(1);
    expect((await store.jobs.get(TENANT, id!))?.counts.conversations).toBe(6);
  });
});
