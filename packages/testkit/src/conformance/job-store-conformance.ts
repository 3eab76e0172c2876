import { describe, expect, it } from "vitest";
import type { JobSpec } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sleep,
  spec,
  uniqueTenant,
} from "./conformance-context.js";

/**
 * Registers the JobStore contract as vitest cases: atomic create with idempotency and singleton
 * keys, read-back of every field, listing, cancel flags, compare-and-set transitions and retry.
 */
export function runJobStoreConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: JobStore`, () => {
    it("create stores every spec field and get reads back exactly the created job", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const full: JobSpec = {
        tenant,
        pipeline: "import",
        input: { kind: "url", url: "https://example.com/export.zip?x=ü" },
        options: {
          maxTokens: 512,
          nested: { list: [1, "two", null, true], empty: {} },
          note: "中文 🧵 'q' \"d\"",
        },
        idempotencyKey: "idem-ü-1",
        singletonKey: "single-ü-1",
        priority: 7,
        maxAttempts: 3,
        runAt: Date.now() - 1000,
      };
      const { job, created } = await adapter.jobs.create(full);
      expect(created).toBe(true);
      expect(typeof job.id).toBe("string");
      expect(job).toMatchObject({
        tenant,
        pipeline: "import",
        input: full.input,
        options: full.options,
        idempotencyKey: "idem-ü-1",
        singletonKey: "single-ü-1",
        priority: 7,
        maxAttempts: 3,
        runAt: full.runAt,
        status: "queued",
        attempts: 0,
        epoch: 0,
        workerId: null,
        leaseExpiresAt: null,
        cancelRequested: false,
        stage: null,
        progress: null,
        counts: {},
        result: null,
        error: null,
        finishedAt: null,
      });
      expect(job.createdAt).toBe(job.updatedAt);
      expect(Math.abs(job.createdAt - Date.now())).toBeLessThan(5_000);
      expect(await adapter.jobs.get(tenant, job.id)).toStrictEqual(job);
    });

    it("create applies the documented defaults (options {}, priority 0, maxAttempts 5, runAt now)", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const { job } = await adapter.jobs.create(spec(tenant));
      expect(job.options).toStrictEqual({});
      expect(job.priority).toBe(0);
      expect(job.maxAttempts).toBe(5);
      expect(job.idempotencyKey).toBeNull();
      expect(job.singletonKey).toBeNull();
      expect(job.runAt).toBe(job.createdAt);
    });

    it("job ids are unique and sort by creation time", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await adapter.jobs.create(spec(tenant))).job.id);
        await sleep(3);
      }
      expect(new Set(ids).size).toBe(5);
      expect([...ids].sort()).toStrictEqual(ids);
    });

    it("neither the spec passed to create nor a returned job aliases the stored record", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const options_ = { nested: { value: 1 } };
      const { job } = await adapter.jobs.create(spec(tenant, { options: options_ }));
      options_.nested.value = 2;
      (job.options as { nested: { value: number } }).nested.value = 3;
      (job as { status: string }).status = "succeeded";
      const read = await adapter.jobs.get(tenant, job.id);
      expect(read?.options).toStrictEqual({ nested: { value: 1 } });
      expect(read?.status).toBe("queued");
      (read as { status: string }).status = "failed";
      (read!.input as { path: string }).path = "/elsewhere";
      const again = await adapter.jobs.get(tenant, job.id);
      expect(again?.status).toBe("queued");
      expect(again?.input).toStrictEqual(spec(tenant).input);
      const [listed] = await adapter.jobs.list(tenant);
      (listed as { priority: number }).priority = 99;
      expect((await adapter.jobs.get(tenant, job.id))?.priority).toBe(0);
    });

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

    it("get returns null for an unknown job id", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      await adapter.jobs.create(spec(tenant));
      expect(await adapter.jobs.get(tenant, "00000000-0000-7000-8000-000000000000")).toBeNull();
      expect(await adapter.jobs.get(tenant, "not a job id")).toBeNull();
    });

    it("list returns the tenant's jobs newest first, filtered by status, limited and paged with before", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push((await adapter.jobs.create(spec(tenant))).job.id);
        await sleep(3);
      }
      await adapter.jobs.create(spec(uniqueTenant("other")));
      await adapter.jobs.requestCancel(tenant, ids[1]!);
      const all = await adapter.jobs.list(tenant);
      expect(all.map((j) => j.id)).toStrictEqual([...ids].reverse());
      expect(all[0]).toStrictEqual(await adapter.jobs.get(tenant, ids[3]!));
      expect((await adapter.jobs.list(tenant, { status: "cancelled" })).map((j) => j.id)).toStrictEqual([
        ids[1],
      ]);
      expect(
        (await adapter.jobs.list(tenant, { status: ["cancelled", "queued"] })).map((j) => j.id),
      ).toStrictEqual([...ids].reverse());
      expect((await adapter.jobs.list(tenant, { status: [] })).length).toBe(0);
      expect((await adapter.jobs.list(tenant, { limit: 2 })).map((j) => j.id)).toStrictEqual([
        ids[3],
        ids[2],
      ]);
      expect(
        (await adapter.jobs.list(tenant, { before: ids[2]!, limit: 10 })).map((j) => j.id),
      ).toStrictEqual([ids[1], ids[0]]);
      expect(await adapter.jobs.list(uniqueTenant("nobody"))).toStrictEqual([]);
    });

    it("list returns at most 100 jobs by default", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      await Promise.all(Array.from({ length: 101 }, () => adapter.jobs.create(spec(tenant))));
      expect(await adapter.jobs.list(tenant)).toHaveLength(100);
      expect(await adapter.jobs.list(tenant, { limit: 500 })).toHaveLength(101);
    });

    it("close can be called more than once", async () => {
      const adapter = await openAdapter(options);
      await adapter.close();
      await adapter.close();
    });

    it("requestCancel on a queued job cancels it at once, with its cancelled event, and it is never claimed", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const { job } = await adapter.jobs.create(spec(tenant));
      const cancelled = await adapter.jobs.requestCancel(tenant, job.id);
      expect(cancelled?.status).toBe("cancelled");
      expect(cancelled?.finishedAt).not.toBeNull();
      expect(await adapter.jobs.get(tenant, job.id)).toStrictEqual(cancelled);
      const events = await adapter.events.read(tenant, job.id, null);
      expect(events.map((e) => e.type)).toStrictEqual(["cancelled"]);
      expect(events[0]?.status).toBe("cancelled");
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    });

    it("requestCancel on a running job sets cancelRequested, which extend and transition report; it stays running", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      expect((await adapter.queue.extend(claim.lease, 30_000)).cancelRequested).toBe(false);
      const flagged = await adapter.jobs.requestCancel(tenant, claim.job.id);
      expect(flagged?.status).toBe("running");
      expect(flagged?.cancelRequested).toBe(true);
      const again = await adapter.jobs.requestCancel(tenant, claim.job.id);
      expect(again?.cancelRequested).toBe(true);
      expect((await adapter.queue.extend(claim.lease, 30_000)).cancelRequested).toBe(true);
      expect((await adapter.jobs.transition(claim.lease, { stage: "import" })).cancelRequested).toBe(true);
      expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
      const done = await adapter.queue.complete(claim.lease, { status: "cancelled" });
      expect(done.status).toBe("cancelled");
    });

    it("requestCancel returns a terminal job unchanged, and null for an unknown job", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const done = await adapter.queue.complete(claim.lease, { status: "succeeded", result: 1 });
      expect(await adapter.jobs.requestCancel(tenant, claim.job.id)).toStrictEqual(done);
      expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
      expect(await adapter.jobs.requestCancel(tenant, "00000000-0000-7000-8000-000000000000")).toBeNull();
    });

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

    it("create rejects a spec without a tenant, pipeline or input and stores nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      await expect(adapter.jobs.create({ ...spec(tenant), tenant: "" })).rejects.toThrow();
      await expect(adapter.jobs.create({ ...spec(tenant), pipeline: "" })).rejects.toThrow();
      await expect(adapter.jobs.create({ ...spec(tenant), input: undefined as never })).rejects.toThrow();
      expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    });
  });
}
