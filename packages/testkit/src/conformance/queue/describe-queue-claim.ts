import { expect, it } from "vitest";
import type { Claim } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * Queue cases of `claim`: what it hands out, when it returns null, rising epochs, and one winner among
 * concurrent claims.
 */
export function describeQueueClaim(options: AdapterConformanceOptions): void {
  it("claim hands out a due job as running, with epoch 1, attempts 1 and a lease of leaseMs on the store clock", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job } = await adapter.jobs.create(spec(tenant));
    const claim = await adapter.queue.claim("worker-ü", 20_000);
    expect(claim).not.toBeNull();
    const { job: claimed, lease } = claim!;
    expect(claimed.id).toBe(job.id);
    expect(claimed).toMatchObject({ status: "running", epoch: 1, attempts: 1, workerId: "worker-ü" });
    expect(lease).toStrictEqual({
      tenant,
      jobId: job.id,
      epoch: 1,
      workerId: "worker-ü",
      expiresAt: claimed.leaseExpiresAt,
    });
    expect(Math.abs(lease.expiresAt - (claimed.updatedAt + 20_000))).toBeLessThanOrEqual(5);
    expect(Math.abs(lease.expiresAt - (Date.now() + 20_000))).toBeLessThan(5_000);
    expect(await adapter.jobs.get(tenant, job.id)).toStrictEqual(claimed);
  });

  it("claim returns null when nothing is claimable: no job, a job not yet due, a job under a live lease", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    await adapter.jobs.create(spec(tenant, { runAt: Date.now() + 60_000 }));
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    await createAndClaim(adapter, tenant);
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });

  it("every claim increments the epoch and attempts, and the epoch survives release", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    await adapter.jobs.create(spec(tenant));
    for (let i = 1; i <= 3; i++) {
      const claim = await adapter.queue.claim(`w${i}`, 30_000);
      expect(claim?.lease.epoch).toBe(i);
      expect(claim?.job.epoch).toBe(i);
      expect(claim?.job.attempts).toBe(i);
      const released = await adapter.queue.release(claim!.lease);
      expect(released.epoch).toBe(i);
      expect(released.attempts).toBe(i);
    }
  });

  it("N workers claiming concurrently never get the same job under the same epoch, and every job is claimed once", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const created = new Set<string>();
    for (let i = 0; i < 12; i++)
      created.add((await adapter.jobs.create(spec(tenant, { priority: i % 3 }))).job.id);
    const claims: Claim[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const claim = await adapter.queue.claim(`worker-${w}`, 30_000);
          if (!claim) return;
          claims.push(claim);
        }
      }),
    );
    const keys = claims.map((c) => `${c.lease.jobId}@${c.lease.epoch}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(claims.map((c) => c.job.id))).toStrictEqual(created);
    expect(claims).toHaveLength(12);
  });

  it("20 concurrent claims of one job: exactly one wins", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job } = await adapter.jobs.create(spec(tenant));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? adapter.queue.claim(`w${i}`, 30_000)
          : adapter.queue.claim(`w${i}`, 30_000, { tenant, jobId: job.id }),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.lease.epoch).toBe(1);
  });
}
