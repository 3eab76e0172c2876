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

/**
 * Queue cases of a lease's life: expiry and reclaim with fencing, `extend`, and `release` with or without
 * `runAt`.
 */
export function describeQueueLeases(options: AdapterConformanceOptions): void {
  it("an expired lease is claimable again with a higher epoch, and the expired lease is then fenced (seed 004: a redeploy kills the worker)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const first = await createAndClaim(adapter, tenant, SHORT_LEASE_MS);
    await sleep(PAST_EXPIRY_MS);
    const second = await adapter.queue.claim("w2", 30_000);
    expect(second?.job.id).toBe(first.job.id);
    expect(second?.lease.epoch).toBe(first.lease.epoch + 1);
    expect(second?.job.attempts).toBe(2);
    expect(second?.job.workerId).toBe("w2");
    await rejectsWith(() => adapter.queue.extend(first.lease, 30_000), "LeaseLostError");
    const extended = await adapter.queue.extend(second!.lease, 30_000);
    expect(extended.lease.epoch).toBe(second!.lease.epoch);
  });

  it("an expired lease can still be used while no other worker claimed the job", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant, SHORT_LEASE_MS);
    await sleep(PAST_EXPIRY_MS);
    const extended = await adapter.queue.extend(claim.lease, 30_000);
    expect(extended.lease.expiresAt).toBeGreaterThan(claim.lease.expiresAt);
    expect(await adapter.queue.claim("w2", 30_000)).toBeNull();
  });

  it("extend renews the lease to leaseMs from now and keeps the job from being claimed", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant, SHORT_LEASE_MS);
    const { lease, cancelRequested } = await adapter.queue.extend(claim.lease, 5_000);
    expect(cancelRequested).toBe(false);
    expect(lease).toMatchObject({
      tenant,
      jobId: claim.job.id,
      epoch: claim.lease.epoch,
      workerId: "worker-a",
    });
    const job = await adapter.jobs.get(tenant, claim.job.id);
    expect(job?.leaseExpiresAt).toBe(lease.expiresAt);
    expect(Math.abs(lease.expiresAt - ((job?.updatedAt ?? 0) + 5_000))).toBeLessThanOrEqual(5);
    await sleep(PAST_EXPIRY_MS);
    expect(await adapter.queue.claim("w2", 30_000)).toBeNull();
  });

  it("release with runAt delays the next claim until runAt; release without it makes the job claimable at once", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    // 1 s ahead of the store clock: wide enough that a stalled machine does not reach it before the checks.
    const runAt = claim.job.updatedAt + 1_000;
    const error = { code: "RATE_LIMITED", name: "RateLimitedError", message: "slow down", retriable: true };
    const released = await adapter.queue.release(claim.lease, { runAt, error });
    expect(released).toMatchObject({
      status: "queued",
      runAt,
      workerId: null,
      leaseExpiresAt: null,
      error,
    });
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(released);
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    expect(await adapter.queue.claim("w", 30_000, { tenant, jobId: claim.job.id })).toBeNull();
    await sleep(1_300);
    const again = await adapter.queue.claim("w", 30_000);
    expect(again?.job.id).toBe(claim.job.id);
    const now = await adapter.queue.release(again!.lease);
    expect(now.error).toBeNull();
    expect(now.runAt).toBe(now.updatedAt);
    expect((await adapter.queue.claim("w", 30_000))?.job.id).toBe(claim.job.id);
  });

  it("release, extend and the terminal writes throw LeaseLostError under a released lease", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const released = await adapter.queue.release(claim.lease);
    await rejectsWith(() => adapter.queue.release(claim.lease), "LeaseLostError");
    await rejectsWith(() => adapter.queue.extend(claim.lease, 30_000), "LeaseLostError");
    await rejectsWith(() => adapter.queue.complete(claim.lease, { status: "succeeded" }), "LeaseLostError");
    await rejectsWith(
      () => adapter.queue.deadLetter(claim.lease, { code: "X", name: "X", message: "x", retriable: false }),
      "LeaseLostError",
    );
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(released);
    expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
  });
}
