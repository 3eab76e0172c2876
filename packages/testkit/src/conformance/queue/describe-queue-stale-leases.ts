import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sleep,
  uniqueTenant,
} from "../conformance-context.js";
import { PAST_EXPIRY_MS, SHORT_LEASE_MS } from "./short-lease.js";

/** Queue cases of writes under a lease that is no longer current: repeated, superseded or forged. */
export function describeQueueStaleLeases(options: AdapterConformanceOptions): void {
  it("a terminal write repeated under the same lease returns the job unchanged and appends no second event (seed 002 pitfall 9: a retried status write)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const done = await adapter.queue.complete(a.lease, { status: "succeeded", result: 1 });
    expect(await adapter.queue.complete(a.lease, { status: "succeeded", result: 1 })).toStrictEqual(done);
    const b = await createAndClaim(adapter, tenant);
    const error = { code: "X", name: "X", message: "x", retriable: false };
    const failed = await adapter.queue.deadLetter(b.lease, error);
    expect(await adapter.queue.deadLetter(b.lease, error)).toStrictEqual(failed);
    expect(await adapter.events.read(tenant, a.job.id, null)).toHaveLength(1);
    expect(await adapter.events.read(tenant, b.job.id, null)).toHaveLength(1);
    await rejectsWith(() => adapter.queue.complete(b.lease, { status: "succeeded" }), "LeaseLostError");
    await rejectsWith(() => adapter.queue.release(a.lease), "LeaseLostError");
  });

  it("complete and deadLetter under a superseded lease throw LeaseLostError and change nothing", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const old = await createAndClaim(adapter, tenant, SHORT_LEASE_MS);
    await sleep(PAST_EXPIRY_MS);
    const current = await adapter.queue.claim("w2", 30_000);
    expect(current).not.toBeNull();
    const before = await adapter.jobs.get(tenant, old.job.id);
    const err = await rejectsWith(
      () => adapter.queue.complete(old.lease, { status: "succeeded", result: "zombie" }),
      "LeaseLostError",
    );
    expect(err.currentEpoch).toBe(current!.lease.epoch);
    await rejectsWith(() => adapter.queue.complete(old.lease, { status: "cancelled" }), "LeaseLostError");
    await rejectsWith(
      () =>
        adapter.queue.deadLetter(old.lease, { code: "X", name: "X", message: "zombie", retriable: false }),
      "LeaseLostError",
    );
    await rejectsWith(
      () => adapter.queue.release(old.lease, { runAt: Date.now() + 60_000 }),
      "LeaseLostError",
    );
    expect(await adapter.jobs.get(tenant, old.job.id)).toStrictEqual(before);
    expect(await adapter.events.read(tenant, old.job.id, null)).toStrictEqual([]);
  });

  it("a forged lease (right job and epoch, another tenant) is rejected", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const forged = { ...claim.lease, tenant: uniqueTenant("mallory") };
    await rejectsWith(() => adapter.queue.extend(forged, 30_000), "LeaseLostError");
    await rejectsWith(() => adapter.queue.complete(forged, { status: "succeeded" }), "LeaseLostError");
    expect((await adapter.jobs.get(tenant, claim.job.id))?.status).toBe("running");
  });
}
