import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * JobStore cases of `transition`: stage and progress under the current lease, LeaseLostError under a
 * superseded one.
 */
export function describeJobStoreTransition(options: AdapterConformanceOptions): void {
  it("transition sets stage and progress under the current lease; null progress clears it", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const moved = await adapter.jobs.transition(claim.lease, {
      stage: "import",
      progress: { done: 10, total: null, unit: "bytes" },
    });
    expect(moved.stage).toBe("import");
    expect(moved.progress).toStrictEqual({ done: 10, total: null, unit: "bytes" });
    expect(moved.status).toBe("running");
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(moved);
    const kept = await adapter.jobs.transition(claim.lease, {
      progress: { done: 20, total: 40, unit: null },
    });
    expect(kept.stage).toBe("import");
    expect(kept.progress).toStrictEqual({ done: 20, total: 40, unit: null });
    const cleared = await adapter.jobs.transition(claim.lease, { progress: null });
    expect(cleared.progress).toBeNull();
  });

  it("transition under a superseded lease throws LeaseLostError and changes nothing", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const old = await createAndClaim(adapter, tenant);
    await adapter.queue.release(old.lease);
    const current = await adapter.queue.claim("worker-b", 30_000);
    expect(current?.lease.epoch).toBe(old.lease.epoch + 1);
    const before = await adapter.jobs.get(tenant, old.job.id);
    const err = await rejectsWith(
      () =>
        adapter.jobs.transition(old.lease, {
          stage: "zombie",
          progress: { done: 1, total: 1, unit: null },
        }),
      "LeaseLostError",
    );
    expect(err.code).toBe("LEASE_LOST");
    expect(err.jobId).toBe(old.job.id);
    expect(err.epoch).toBe(old.lease.epoch);
    expect(await adapter.jobs.get(tenant, old.job.id)).toStrictEqual(before);
  });
}
