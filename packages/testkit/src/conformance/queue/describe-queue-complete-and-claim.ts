import type { Adapter, CompleteAndClaimResult, Queue } from "@threadmill/core";
import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { PAST_EXPIRY_MS, SHORT_LEASE_MS } from "./short-lease.js";

type Fused = Required<Pick<Queue, "completeAndClaim">>["completeAndClaim"];

/**
 * Registers a case of the optional `Queue.completeAndClaim`: it runs when the adapter must have it
 * (`requireCompleteAndClaim`) or has it, and is skipped naming it otherwise.
 */
function fusedCase(
  options: AdapterConformanceOptions,
  title: string,
  body: (adapter: Adapter, fused: Fused) => Promise<void>,
): void {
  it(title, async (ctx) => {
    const adapter = await openAdapter(options);
    const method = adapter.queue.completeAndClaim;
    if (!method) {
      if (options.requireCompleteAndClaim) {
        throw new Error(`conformance: ${options.name} has no queue.completeAndClaim`);
      }
      ctx.skip("[needs queue.completeAndClaim]");
      return;
    }
    await body(adapter, method.bind(adapter.queue) as Fused);
  });
}

const NEXT = { workerId: "worker-b", leaseMs: 30_000 } as const;

/**
 * Queue cases of the fast path `completeAndClaim`: the completion is exactly `complete`'s (fenced,
 * atomic with its event), the next claim exactly `claim`'s, and a fenced or invalid call writes and
 * claims nothing.
 */
export function describeQueueCompleteAndClaim(options: AdapterConformanceOptions): void {
  fusedCase(
    options,
    "completeAndClaim completes the job with its event and claims the next due job for the named worker",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const { job: queued } = await adapter.jobs.create(spec(tenant));
      const result = { chunks: 12, note: "ünï 🧵" };
      const { job, next } = await fused(claim.lease, { status: "succeeded", result }, NEXT);
      expect(job).toMatchObject({
        id: claim.job.id,
        status: "succeeded",
        result,
        workerId: null,
        leaseExpiresAt: null,
      });
      expect(job.finishedAt).not.toBeNull();
      expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(job);
      const events = await adapter.events.read(tenant, claim.job.id, null);
      expect(events.map((e) => [e.type, e.status, e.epoch])).toStrictEqual([
        ["succeeded", "succeeded", claim.lease.epoch],
      ]);
      expect(next?.job).toMatchObject({
        id: queued.id,
        status: "running",
        workerId: "worker-b",
        epoch: queued.epoch + 1,
        attempts: 1,
      });
      expect(next?.lease).toMatchObject({
        tenant,
        jobId: queued.id,
        epoch: queued.epoch + 1,
        workerId: "worker-b",
      });
      expect(next!.lease.expiresAt - next!.job.updatedAt).toBe(30_000);
      expect(await adapter.jobs.get(tenant, queued.id)).toStrictEqual(next!.job);
      // The next claim is current: it completes like any other.
      const last = await fused(next!.lease, { status: "cancelled" }, NEXT);
      expect(last.job.status).toBe("cancelled");
      expect(last.next).toBeNull();
    },
  );

  fusedCase(
    options,
    "completeAndClaim never hands out the job it completed, and answers next: null when nothing is due",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.jobs.create(spec(tenant, { runAt: Date.now() + 60_000 }));
      const done = await fused(claim.lease, { status: "succeeded" }, NEXT);
      expect(done.job.status).toBe("succeeded");
      expect(done.next).toBeNull();
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    },
  );
}

/** `completeAndClaim` fenced, repeated, refused and raced: what it must never do. */
export function describeQueueCompleteAndClaimFencing(options: AdapterConformanceOptions): void {
  fusedCase(
    options,
    "completeAndClaim under a superseded lease throws LeaseLostError, writes nothing and claims nothing",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const stale = await createAndClaim(adapter, tenant, SHORT_LEASE_MS);
      await sleep(SHORT_LEASE_MS + PAST_EXPIRY_MS);
      const current = await adapter.queue.claim("worker-c", 30_000, { tenant, jobId: stale.job.id });
      expect(current?.lease.epoch).toBe(stale.lease.epoch + 1);
      const { job: queued } = await adapter.jobs.create(spec(tenant));
      await rejectsWith(
        () => fused(stale.lease, { status: "succeeded", result: "zombie" }, NEXT),
        "LeaseLostError",
      );
      expect(await adapter.jobs.get(tenant, stale.job.id)).toMatchObject({
        status: "running",
        workerId: "worker-c",
        result: null,
      });
      expect(await adapter.events.read(tenant, stale.job.id, null)).toStrictEqual([]);
      expect((await adapter.jobs.get(tenant, queued.id))?.status).toBe("queued");
    },
  );

  fusedCase(
    options,
    "completeAndClaim repeated under the lease that completed the job returns it unchanged, appends nothing and claims anew",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const { job: a } = await adapter.jobs.create(spec(tenant));
      const { job: b } = await adapter.jobs.create(spec(tenant));
      const first = await fused(claim.lease, { status: "succeeded", result: 1 }, NEXT);
      // The first answer was lost: the worker retries the same write.
      const again = await fused(claim.lease, { status: "succeeded", result: 1 }, NEXT);
      expect(again.job).toStrictEqual(first.job);
      expect((await adapter.events.read(tenant, claim.job.id, null)).map((e) => e.type)).toStrictEqual([
        "succeeded",
      ]);
      expect([first.next?.job.id, again.next?.job.id].sort()).toStrictEqual([a.id, b.id].sort());
    },
  );

  fusedCase(
    options,
    "completeAndClaim refuses a bad next claim before it writes anything",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.jobs.create(spec(tenant));
      await rejectsWith(
        () => fused(claim.lease, { status: "succeeded" }, { workerId: "w", leaseMs: 0 }),
        "RangeError",
      );
      await rejectsWith(
        () => fused(claim.lease, { status: "succeeded" }, { workerId: "w", leaseMs: Number.NaN }),
        "RangeError",
      );
      await rejectsWith(
        () => fused(claim.lease, { status: "succeeded" }, { workerId: "", leaseMs: 1000 }),
        "TypeError",
      );
      expect((await adapter.jobs.get(tenant, claim.job.id))?.status).toBe("running");
      expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
      const done = await fused(claim.lease, { status: "succeeded" }, NEXT);
      expect(done.next?.job.status).toBe("running");
    },
  );

  fusedCase(
    options,
    "eight workers chaining completeAndClaim through 80 jobs complete each exactly once, under one lease each",
    async (adapter, fused) => {
      const tenant = uniqueTenant();
      const ids = new Set<string>();
      for (let i = 0; i < 80; i++) ids.add((await adapter.jobs.create(spec(tenant))).job.id);
      const completed: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const next = { workerId: `w${w}`, leaseMs: 30_000 };
          let claim = await adapter.queue.claim(next.workerId, next.leaseMs);
          while (claim) {
            const done: CompleteAndClaimResult = await fused(claim.lease, { status: "succeeded" }, next);
            completed.push(done.job.id);
            claim = done.next;
          }
        }),
      );
      expect(completed.length).toBe(80);
      expect(new Set(completed)).toStrictEqual(ids);
      for (const id of ids) {
        const events = await adapter.events.read(tenant, id, null);
        expect(events.map((e) => e.type)).toStrictEqual(["succeeded"]);
        expect((await adapter.jobs.get(tenant, id))?.attempts).toBe(1);
      }
    },
  );
}
