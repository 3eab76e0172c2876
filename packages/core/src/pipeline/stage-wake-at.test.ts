import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { syntheticSource } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import type { Pipeline } from "./pipeline.js";
import { createRunner } from "./runner.js";

const TENANT = "tenant-a";

/** A stage that waits twice on something outside (as a Message Batch is) before it finishes. */
function waitingPipeline(waitMs: number): Pipeline {
  return {
    stages: [
      {
        name: "waits",
        open: (_context, cursor: { polls: number } | null) => ({
          async next() {
            const polls = (cursor?.polls ?? 0) + 1;
            cursor = { polls };
            if (polls > 2) return { cursor, done: true };
            return { cursor, done: false, wakeAt: Date.now() + waitMs };
          },
        }),
      },
    ],
  };
}

describe("a unit's wakeAt", () => {
  it("releases the job until then without holding the worker or spending attempts, then resumes it", async () => {
    const store = createMemoryAdapter();
    const runner = createRunner({
      store,
      pipelines: { waits: waitingPipeline(300) },
      sources: { synthetic: syntheticSource },
    });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "waits",
      input: { kind: "synthetic" },
      maxAttempts: 1,
    });

    const first = await runner.work({ deadline: Date.now() + 5_000 });
    expect(first.runs.map((r) => [r.outcome, r.reason])).toEqual([["released", "wait"]]);
    const waiting = (await store.jobs.get(TENANT, job.id))!;
    expect(waiting.status).toBe("queued");
    // Not due yet: a slice started now finds nothing to claim.
    expect((await runner.work({ deadline: Date.now() + 5_000 })).runs).toEqual([]);

    await new Promise((r) => setTimeout(r, 350));
    expect((await runner.work({ deadline: Date.now() + 5_000 })).runs.map((r) => r.reason)).toEqual(["wait"]);
    await new Promise((r) => setTimeout(r, 350));
    await runner.work({ deadline: Date.now() + 5_000 });
    const done = (await store.jobs.get(TENANT, job.id))!;
    // Three claims with maxAttempts 1: the waits spent none of them.
    expect(done.status).toBe("succeeded");
    expect(done.error).toBeNull();
  });
});
