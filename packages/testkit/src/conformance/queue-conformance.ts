import { describe, expect, it } from "vitest";
import type { Claim } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sleep,
  spec,
  uniqueTenant,
} from "./conformance-context.js";

/** Short leases for the cases that wait for expiry with real time. */
const SHORT_LEASE_MS = 150;
/** How long past a short lease's expiry the suite waits: generous, so a loaded machine does not flake. */
const PAST_EXPIRY_MS = 350;

/**
 * Registers the Queue contract as vitest cases: atomic claims with fencing epochs, expiry, extend,
 * release with `runAt`, priorities, named claims, and the atomic terminal writes.
 */
export function runQueueConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: Queue`, () => {
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

    it("claims go to the highest priority first, then the earliest runAt, then the oldest job", async () => {
      const adapter = await openAdapter(options);
      const past = Date.now() - 10_000;
      const ids: Record<string, string> = {};
      const make = async (label: string, priority: number, runAt: number) => {
        ids[label] = (await adapter.jobs.create(spec(uniqueTenant(label), { priority, runAt }))).job.id;
        await sleep(3);
      };
      await make("low", -1, past);
      await make("mid-late", 0, past + 500);
      await make("mid-old", 0, past);
      await make("mid-young", 0, past);
      await make("high", 5, past + 900);
      const order: string[] = [];
      for (;;) {
        const claim = await adapter.queue.claim("w", 30_000);
        if (!claim) break;
        order.push(Object.keys(ids).find((k) => ids[k] === claim.job.id)!);
      }
      expect(order).toStrictEqual(["high", "mid-old", "mid-young", "mid-late", "low"]);
    });

    it("claim serves every tenant", async () => {
      const adapter = await openAdapter(options);
      const tenants = [uniqueTenant("a"), uniqueTenant("b"), uniqueTenant("c")];
      for (const t of tenants) await adapter.jobs.create(spec(t));
      const claimed = new Set<string>();
      for (let i = 0; i < 3; i++) claimed.add((await adapter.queue.claim("w", 30_000))!.lease.tenant);
      expect(claimed).toStrictEqual(new Set(tenants));
    });

    it("claim of a named job hands out only that job, and null when it is not claimable", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const { job: high } = await adapter.jobs.create(spec(tenant, { priority: 10 }));
      const { job: mine } = await adapter.jobs.create(spec(tenant));
      const { job: later } = await adapter.jobs.create(spec(tenant, { runAt: Date.now() + 60_000 }));
      const claim = await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id });
      expect(claim?.job.id).toBe(mine.id);
      expect(claim?.lease.epoch).toBe(1);
      expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id })).toBeNull();
      expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: later.id })).toBeNull();
      expect(
        await adapter.queue.claim("cli", 30_000, { tenant: uniqueTenant("x"), jobId: high.id }),
      ).toBeNull();
      expect(
        await adapter.queue.claim("cli", 30_000, { tenant, jobId: "00000000-0000-7000-8000-000000000000" }),
      ).toBeNull();
      expect((await adapter.jobs.get(tenant, high.id))?.status).toBe("queued");
      await adapter.queue.complete(claim!.lease, { status: "succeeded" });
      expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id })).toBeNull();
    });

    it("complete with succeeded sets the status, result and finishedAt, clears the lease and appends the succeeded event", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.jobs.transition(claim.lease, { stage: "import" });
      const result = { conversations: 3, chunks: 12, note: "ünï 🧵", nested: [null, { a: false }] };
      const done = await adapter.queue.complete(claim.lease, { status: "succeeded", result });
      expect(done).toMatchObject({
        status: "succeeded",
        result,
        workerId: null,
        leaseExpiresAt: null,
        error: null,
      });
      expect(done.finishedAt).not.toBeNull();
      expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
      const events = await adapter.events.read(tenant, claim.job.id, null);
      expect(events.map((e) => e.type)).toStrictEqual(["succeeded"]);
      expect(events[0]).toMatchObject({ status: "succeeded", epoch: claim.lease.epoch });
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    });

    it("the terminal status and the terminal event become visible together (one atomic step; seed 000 #3: two stores that disagree)", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      for (const outcome of ["succeeded", "cancelled", "failed"] as const) {
        const claim = await createAndClaim(adapter, tenant);
        const jobId = claim.job.id;
        // A reader that sees the event must see the status, and one that sees the status must see the event.
        const viaEvent = (async () => {
          const events = await adapter.events.read(tenant, jobId, null, { waitMs: 5_000 });
          return { events, job: await adapter.jobs.get(tenant, jobId) };
        })();
        const viaStatus = (async () => {
          for (let i = 0; i < 2_000; i++) {
            const job = await adapter.jobs.get(tenant, jobId);
            if (job?.status === outcome)
              return { job, events: await adapter.events.read(tenant, jobId, null) };
            await sleep(1);
          }
          throw new Error("conformance: the terminal status never became visible");
        })();
        await sleep(20);
        if (outcome === "failed") {
          await adapter.queue.deadLetter(claim.lease, {
            code: "X",
            name: "X",
            message: "x",
            retriable: false,
          });
        } else {
          await adapter.queue.complete(claim.lease, { status: outcome });
        }
        const seenEvent = await viaEvent;
        expect(seenEvent.events.map((e) => e.type)).toStrictEqual([outcome]);
        expect(seenEvent.job?.status).toBe(outcome);
        const seenStatus = await viaStatus;
        expect(seenStatus.events.map((e) => e.type)).toStrictEqual([outcome]);
      }
    });

    it("complete with succeeded and no result stores null", async () => {
      const adapter = await openAdapter(options);
      const claim = await createAndClaim(adapter, uniqueTenant());
      expect((await adapter.queue.complete(claim.lease, { status: "succeeded" })).result).toBeNull();
    });

    it("complete with cancelled sets the cancelled status and appends the cancelled event", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const done = await adapter.queue.complete(claim.lease, { status: "cancelled" });
      expect(done).toMatchObject({ status: "cancelled", workerId: null, leaseExpiresAt: null });
      expect(done.finishedAt).not.toBeNull();
      const events = await adapter.events.read(tenant, claim.job.id, null);
      expect(events.map((e) => [e.type, e.status])).toStrictEqual([["cancelled", "cancelled"]]);
    });

    it("deadLetter sets failed with the error and appends the failed event", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const error = {
        code: "EXPORT_FORMAT",
        name: "ExportFormatError",
        message: "not an export ü",
        retriable: false,
      };
      const done = await adapter.queue.deadLetter(claim.lease, error);
      expect(done).toMatchObject({ status: "failed", error, workerId: null, leaseExpiresAt: null });
      expect(done.finishedAt).not.toBeNull();
      expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
      const events = await adapter.events.read(tenant, claim.job.id, null);
      expect(events.map((e) => [e.type, e.status])).toStrictEqual([["failed", "failed"]]);
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    });

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

    it("claim and extend reject a non-positive leaseMs", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      await adapter.jobs.create(spec(tenant));
      await expect(adapter.queue.claim("w", 0)).rejects.toThrow();
      await expect(adapter.queue.claim("w", -5)).rejects.toThrow();
      const claim = await adapter.queue.claim("w", 30_000);
      expect(claim?.lease.epoch).toBe(1);
      await expect(adapter.queue.extend(claim!.lease, 0)).rejects.toThrow();
    });
  });
}
