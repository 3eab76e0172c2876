import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * JobStore cases of `retry`: failed and cancelled jobs are queued again with their checkpoint, others are
 * returned unchanged.
 */
export function describeJobStoreRetry(options: AdapterConformanceOptions): void {
  it("retry puts a failed job back to queued, due now, keeping its checkpoint and resetting attempts and error", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const checkpoint = {
      stage: "import",
      cursors: { import: { offset: 42 } },
      completed: [],
      counts: { chunks: 3 },
    };
    await adapter.checkpoints.save(claim.lease, checkpoint);
    await adapter.queue.release(claim.lease);
    const second = await adapter.queue.claim("w", 30_000);
    expect(second?.job.attempts).toBe(1);
    const error = { code: "STORAGE", name: "StorageError", message: "boom", retriable: false };
    await adapter.queue.deadLetter(second!.lease, error);
    const retried = await adapter.jobs.retry(tenant, claim.job.id);
    expect(retried).toMatchObject({
      status: "queued",
      attempts: 0,
      error: null,
      cancelRequested: false,
      workerId: null,
      leaseExpiresAt: null,
      finishedAt: null,
      epoch: 2,
      counts: { chunks: 3 },
      stage: "import",
    });
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(retried);
    expect(await adapter.checkpoints.load(tenant, claim.job.id)).toStrictEqual(checkpoint);
    const third = await adapter.queue.claim("w", 30_000);
    expect(third?.job.id).toBe(claim.job.id);
    expect(third?.lease.epoch).toBe(3);
    expect(third?.job.attempts).toBe(1);
  });

  it("retry puts a cancelled job back to queued with cancelRequested cleared", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    await adapter.jobs.requestCancel(tenant, claim.job.id);
    await adapter.queue.complete(claim.lease, { status: "cancelled" });
    const retried = await adapter.jobs.retry(tenant, claim.job.id);
    expect(retried?.status).toBe("queued");
    expect(retried?.cancelRequested).toBe(false);
    const { job } = await adapter.jobs.create(spec(tenant));
    await adapter.jobs.requestCancel(tenant, job.id);
    expect((await adapter.jobs.retry(tenant, job.id))?.status).toBe("queued");
  });

  it("retry returns a queued, running or succeeded job unchanged, and null for an unknown job", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job: queued } = await adapter.jobs.create(spec(tenant));
    expect(await adapter.jobs.retry(tenant, queued.id)).toStrictEqual(queued);
    const claim = await createAndClaim(adapter, tenant);
    const running = await adapter.jobs.get(tenant, claim.job.id);
    expect(await adapter.jobs.retry(tenant, claim.job.id)).toStrictEqual(running);
    const done = await adapter.queue.complete(claim.lease, { status: "succeeded" });
    expect(await adapter.jobs.retry(tenant, claim.job.id)).toStrictEqual(done);
    expect(await adapter.jobs.retry(tenant, "00000000-0000-7000-8000-000000000000")).toBeNull();
  });

  it("retry throws ConflictError when another active job now holds the singletonKey", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job } = await adapter.jobs.create(spec(tenant, { singletonKey: "s" }));
    await adapter.jobs.requestCancel(tenant, job.id);
    const { job: holder } = await adapter.jobs.create(spec(tenant, { singletonKey: "s" }));
    const err = await rejectsWith(() => adapter.jobs.retry(tenant, job.id), "ConflictError");
    expect(err.existingJobId).toBe(holder.id);
    expect((await adapter.jobs.get(tenant, job.id))?.status).toBe("cancelled");
  });
}
