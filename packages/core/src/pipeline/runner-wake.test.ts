import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createSyntheticPipeline, syntheticSource } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import type { Adapter } from "../ports/adapter.js";
import { createRunner } from "./runner.js";

const TENANT = "tenant-a";

/** A memory adapter whose queue offers the optional `onClaimable` hint, fired by hand. */
function withHint(store: Adapter) {
  const listeners = new Set<() => void>();
  const queue = Object.create(store.queue) as Adapter["queue"];
  queue.onClaimable = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return {
    adapter: { ...store, queue } as Adapter,
    listeners,
    hint: () => {
      for (const l of [...listeners]) l();
    },
  };
}

describe("runner idle wait and Queue.onClaimable", () => {
  it("idle claim loops wait on the hint, claim as soon as it fires (not at the next poll), and unsubscribe on stop", async () => {
    const store = createMemoryAdapter();
    const { adapter, listeners, hint } = withHint(store);
    const runner = createRunner({
      store: adapter,
      pipelines: { synthetic: createSyntheticPipeline({ items: 2, itemsPerUnit: 1 }) },
      sources: { synthetic: syntheticSource },
      pollMs: 3_600_000, // an hour: only the hint can start the job within the test
    });
    runner.start({ concurrency: 3 });
    for (let i = 0; i < 500 && listeners.size < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(listeners.size).toBe(3);
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    hint();
    let status = "";
    for (let i = 0; i < 1000 && status !== "succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 5));
      status = (await store.jobs.get(TENANT, job.id))!.status;
    }
    expect(status).toBe("succeeded");
    await runner.stop();
    expect(listeners.size).toBe(0);
  });
});
