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
 * JobStore cases of idempotency and singleton keys: one job under concurrent creates, per-tenant keys,
 * ConflictError while active.
 */
export function describeJobStoreKeys(options: AdapterConformanceOptions): void {
  it("50 concurrent creates with one idempotencyKey make exactly one job (seed 002 pitfall 7: duplicate-import race)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => adapter.jobs.create(spec(tenant, { idempotencyKey: "same-key" }))),
    );
    const ids = new Set(results.map((r) => r.job.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await adapter.jobs.list(tenant)).toHaveLength(1);
    expect(await adapter.queue.claim("w", 30_000)).not.toBeNull();
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });

  it("a repeated idempotencyKey returns the existing job whatever its status", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant, 30_000, { idempotencyKey: "k" });
    await adapter.queue.complete(claim.lease, { status: "succeeded", result: { ok: true } });
    const again = await adapter.jobs.create(spec(tenant, { idempotencyKey: "k", priority: 9 }));
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(claim.job.id);
    expect(again.job.status).toBe("succeeded");
    expect(again.job.priority).toBe(0);
    expect(await adapter.jobs.list(tenant)).toHaveLength(1);
  });

  it("idempotency keys are per tenant", async () => {
    const adapter = await openAdapter(options);
    const a = await adapter.jobs.create(spec(uniqueTenant("a"), { idempotencyKey: "k" }));
    const b = await adapter.jobs.create(spec(uniqueTenant("b"), { idempotencyKey: "k" }));
    expect(b.created).toBe(true);
    expect(b.job.id).not.toBe(a.job.id);
  });

  it("50 concurrent creates with one singletonKey give one job; the others throw ConflictError carrying its id (seed 002 pitfall 7)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, () => adapter.jobs.create(spec(tenant, { singletonKey: "only-one" }))),
    );
    const ok = settled.filter((s) => s.status === "fulfilled");
    const failed = settled.filter((s) => s.status === "rejected");
    expect(ok).toHaveLength(1);
    const winner = (ok[0] as PromiseFulfilledResult<{ job: { id: string } }>).value.job.id;
    expect(failed).toHaveLength(49);
    for (const f of failed) {
      const reason = f.reason as Error & { existingJobId?: string; code?: string; key?: string };
      expect(reason.name).toBe("ConflictError");
      expect(reason.code).toBe("CONFLICT");
      expect(reason.key).toBe("singletonKey");
      expect(reason.existingJobId).toBe(winner);
    }
    expect(await adapter.jobs.list(tenant)).toHaveLength(1);
  });

  it("a singletonKey blocks while its job is queued or running, and is free once the job is terminal", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant, 30_000, { singletonKey: "s" });
    const err = await rejectsWith(
      () => adapter.jobs.create(spec(tenant, { singletonKey: "s" })),
      "ConflictError",
    );
    expect(err.existingJobId).toBe(claim.job.id);
    const other = await adapter.jobs.create(spec(uniqueTenant("other"), { singletonKey: "s" }));
    expect(other.created).toBe(true);
    await adapter.queue.complete(claim.lease, { status: "succeeded" });
    const next = await adapter.jobs.create(spec(tenant, { singletonKey: "s" }));
    expect(next.created).toBe(true);
    expect(next.job.id).not.toBe(claim.job.id);
  });

  it("an idempotencyKey match wins over a singletonKey conflict", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const first = await adapter.jobs.create(spec(tenant, { idempotencyKey: "i", singletonKey: "s" }));
    const again = await adapter.jobs.create(spec(tenant, { idempotencyKey: "i", singletonKey: "s" }));
    expect(again).toStrictEqual({ job: first.job, created: false });
  });
}
