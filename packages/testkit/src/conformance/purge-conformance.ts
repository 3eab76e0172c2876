import { describe, expect, it } from "vitest";
import type { Adapter } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  rejectsWith,
  sampleChunk,
  sampleConversation,
  spec,
  uniqueTenant,
} from "./conformance-context.js";

/** Records sorted by id, as the stores list them. */
function byId<T extends { readonly id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Reads a job back through every port and asserts that nothing of it is left. */
async function expectJobGone(adapter: Adapter, tenant: string, jobId: string): Promise<void> {
  expect(await adapter.jobs.get(tenant, jobId)).toBeNull();
  expect((await adapter.jobs.list(tenant)).map((j) => j.id)).not.toContain(jobId);
  expect(await adapter.checkpoints.load(tenant, jobId)).toBeNull();
  expect(await adapter.events.read(tenant, jobId, null, { limit: 1000 })).toStrictEqual([]);
  expect(await adapter.conversations.list(tenant, { jobId })).toStrictEqual([]);
  expect(await adapter.conversations.count(tenant, { jobId })).toBe(0);
  expect(await adapter.chunks.list(tenant, { jobId })).toStrictEqual([]);
  expect(await adapter.chunks.count(tenant, { jobId })).toBe(0);
  expect(await adapter.queue.claim("probe", 30_000, { tenant, jobId })).toBeNull();
  expect(await adapter.jobs.requestCancel(tenant, jobId)).toBeNull();
  expect(await adapter.jobs.retry(tenant, jobId)).toBeNull();
}

/** A job with a checkpoint, events, conversations and chunks, some shared with `shared`. */
async function populatedJob(
  adapter: Adapter,
  tenant: string,
  keys: { idempotencyKey?: string; singletonKey?: string },
) {
  const claim = await createAndClaim(adapter, tenant, 30_000, keys);
  await adapter.checkpoints.save(claim.lease, {
    stage: "import",
    cursors: { import: 1 },
    completed: [],
    counts: { chunks: 2 },
  });
  await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
  await adapter.events.append(claim.lease, progressEvent(claim.lease, 2));
  return claim;
}

/**
 * Registers the purge contract (users who ask to be forgotten) as vitest cases: `purge` and
 * `purgeTenant` leave nothing of the job or tenant behind, read back through every port, while
 * other jobs' shared records and other tenants survive.
 */
export function runPurgeConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: purge`, () => {
    it("purge leaves nothing of the job behind, while another job's shared records survive", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const gone = await populatedJob(adapter, tenant, { idempotencyKey: "idem", singletonKey: "single" });
      const kept = await populatedJob(adapter, tenant, {});
      const convs = ["c-only-gone", "c-shared", "c-only-kept"].map((id, i) => sampleConversation(id, i));
      const chunks = ["k-only-gone", "k-shared", "k-only-kept"].map((id, i) => sampleChunk(id, i));
      await adapter.conversations.upsert(gone.lease, convs.slice(0, 2));
      await adapter.chunks.upsert(gone.lease, chunks.slice(0, 2));
      await adapter.conversations.upsert(kept.lease, convs.slice(1));
      await adapter.chunks.upsert(kept.lease, chunks.slice(1));
      const keptJob = await adapter.jobs.get(tenant, kept.job.id);
      const keptEvents = await adapter.events.read(tenant, kept.job.id, null);

      expect(await adapter.jobs.purge(tenant, gone.job.id)).toBe(true);
      await expectJobGone(adapter, tenant, gone.job.id);
      expect(await adapter.conversations.list(tenant)).toStrictEqual(byId(convs.slice(1)));
      expect(await adapter.chunks.list(tenant)).toStrictEqual(byId(chunks.slice(1)));
      expect(await adapter.conversations.get(tenant, ["c-only-gone"])).toStrictEqual([]);
      expect(await adapter.chunks.get(tenant, ["k-only-gone"])).toStrictEqual([]);

      expect(await adapter.jobs.get(tenant, kept.job.id)).toStrictEqual(keptJob);
      expect(await adapter.events.read(tenant, kept.job.id, null)).toStrictEqual(keptEvents);
      expect(await adapter.conversations.list(tenant, { jobId: kept.job.id })).toStrictEqual(
        byId(convs.slice(1)),
      );
      expect(await adapter.chunks.list(tenant, { jobId: kept.job.id })).toStrictEqual(byId(chunks.slice(1)));
      expect(await adapter.checkpoints.load(tenant, kept.job.id)).not.toBeNull();

      expect(await adapter.jobs.purge(tenant, gone.job.id)).toBe(false);
    });

    it("purge frees the job's idempotency and singleton keys", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const gone = await populatedJob(adapter, tenant, { idempotencyKey: "idem", singletonKey: "single" });
      await adapter.jobs.purge(tenant, gone.job.id);
      const again = await adapter.jobs.create(
        spec(tenant, { idempotencyKey: "idem", singletonKey: "single" }),
      );
      expect(again.created).toBe(true);
      expect(again.job.id).not.toBe(gone.job.id);
    });

    it("a purged running job's worker loses its lease: every write throws LeaseLostError and recreates nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await populatedJob(adapter, tenant, {});
      await adapter.jobs.purge(tenant, claim.job.id);
      const { lease } = claim;
      await rejectsWith(() => adapter.queue.extend(lease, 30_000), "LeaseLostError");
      await rejectsWith(() => adapter.jobs.transition(lease, { stage: "x" }), "LeaseLostError");
      await rejectsWith(
        () => adapter.checkpoints.save(lease, { stage: "x", cursors: {}, completed: [], counts: {} }),
        "LeaseLostError",
      );
      await rejectsWith(() => adapter.events.append(lease, progressEvent(lease, 3)), "LeaseLostError");
      if (adapter.conversations.fenced) {
        await rejectsWith(
          () => adapter.conversations.upsert(lease, [sampleConversation("late")]),
          "LeaseLostError",
        );
      }
      if (adapter.chunks.fenced) {
        await rejectsWith(() => adapter.chunks.upsert(lease, [sampleChunk("late")]), "LeaseLostError");
      }
      await rejectsWith(() => adapter.queue.release(lease), "LeaseLostError");
      await rejectsWith(() => adapter.queue.complete(lease, { status: "succeeded" }), "LeaseLostError");
      await rejectsWith(
        () => adapter.queue.deadLetter(lease, { code: "X", name: "X", message: "x", retriable: false }),
        "LeaseLostError",
      );
      await expectJobGone(adapter, tenant, claim.job.id);
      if (adapter.chunks.fenced) expect(await adapter.chunks.count(tenant)).toBe(0);
      if (adapter.conversations.fenced) expect(await adapter.conversations.count(tenant)).toBe(0);
    });

    const rawCase = "purge and purgeTenant leave no raw storage entry of the tenant behind";
    const countTenantEntries = options.countTenantEntries;
    if (countTenantEntries) {
      it(rawCase, async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const other = uniqueTenant("other");
        const a = await populatedJob(adapter, tenant, { idempotencyKey: "i", singletonKey: "s" });
        const b = await populatedJob(adapter, tenant, {});
        await adapter.conversations.upsert(a.lease, [
          sampleConversation("shared"),
          sampleConversation("a-only"),
        ]);
        await adapter.chunks.upsert(a.lease, [sampleChunk("shared"), sampleChunk("a-only")]);
        await adapter.conversations.upsert(b.lease, [sampleConversation("shared")]);
        await adapter.chunks.upsert(b.lease, [sampleChunk("shared")]);
        await adapter.queue.complete(a.lease, { status: "succeeded" });
        const o = await populatedJob(adapter, other, {});
        await adapter.chunks.upsert(o.lease, [sampleChunk("shared")]);
        const otherBefore = await countTenantEntries(adapter, other);
        expect(otherBefore).toBeGreaterThan(0);
        expect(await countTenantEntries(adapter, tenant)).toBeGreaterThan(0);

        await adapter.jobs.purge(tenant, a.job.id);
        await adapter.jobs.purge(tenant, b.job.id);
        expect(await countTenantEntries(adapter, tenant)).toBe(0);

        const c = await populatedJob(adapter, tenant, { idempotencyKey: "i", singletonKey: "s" });
        await adapter.chunks.upsert(c.lease, [sampleChunk("shared")]);
        const { job: queued } = await adapter.jobs.create(spec(tenant));
        await adapter.events.append(
          { tenant, jobId: queued.id },
          { type: "queued", attempt: 0, epoch: 0, at: Date.now() },
        );
        expect(await adapter.jobs.purgeTenant(tenant)).toBe(2);
        expect(await countTenantEntries(adapter, tenant)).toBe(0);
        expect(await countTenantEntries(adapter, other)).toBe(otherBefore);
      });
    } else {
      it.skip(`${rawCase} [needs the countTenantEntries option: without a raw read-back, leftovers no port reads are invisible]`, () => {});
    }

    it("purge of an unknown job returns false and changes nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await populatedJob(adapter, tenant, {});
      const before = await adapter.jobs.get(tenant, claim.job.id);
      expect(await adapter.jobs.purge(tenant, "00000000-0000-7000-8000-000000000000")).toBe(false);
      expect(await adapter.jobs.purge(uniqueTenant("x"), claim.job.id)).toBe(false);
      expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(before);
    });

    it("purgeTenant leaves nothing of the tenant behind and returns the number of jobs; other tenants survive", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const other = uniqueTenant("other");
      const jobs = [
        await populatedJob(adapter, tenant, { idempotencyKey: "i" }),
        await populatedJob(adapter, tenant, { singletonKey: "s" }),
      ];
      const { job: queued } = await adapter.jobs.create(spec(tenant));
      await adapter.events.append(
        { tenant, jobId: queued.id },
        { type: "queued", attempt: 0, epoch: 0, at: Date.now() },
      );
      await adapter.conversations.upsert(jobs[0]!.lease, [sampleConversation("same-id")]);
      await adapter.chunks.upsert(jobs[1]!.lease, [sampleChunk("same-id")]);
      await adapter.queue.complete(jobs[0]!.lease, { status: "succeeded" });

      const theirs = await populatedJob(adapter, other, { idempotencyKey: "i", singletonKey: "s" });
      await adapter.conversations.upsert(theirs.lease, [sampleConversation("same-id", 1)]);
      await adapter.chunks.upsert(theirs.lease, [sampleChunk("same-id", 1)]);
      const theirJob = await adapter.jobs.get(other, theirs.job.id);
      const theirEvents = await adapter.events.read(other, theirs.job.id, null);

      expect(await adapter.jobs.purgeTenant(tenant)).toBe(3);
      for (const id of [jobs[0]!.job.id, jobs[1]!.job.id, queued.id])
        await expectJobGone(adapter, tenant, id);
      expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
      expect(await adapter.conversations.count(tenant)).toBe(0);
      expect(await adapter.chunks.count(tenant)).toBe(0);
      expect(await adapter.conversations.list(tenant)).toStrictEqual([]);
      expect(await adapter.chunks.get(tenant, ["same-id"])).toStrictEqual([]);
      expect(await adapter.queue.claim("w", 30_000)).toBeNull();
      expect(
        (await adapter.jobs.create(spec(tenant, { idempotencyKey: "i", singletonKey: "s" }))).created,
      ).toBe(true);

      expect(await adapter.jobs.get(other, theirs.job.id)).toStrictEqual(theirJob);
      expect(await adapter.events.read(other, theirs.job.id, null)).toStrictEqual(theirEvents);
      expect(await adapter.conversations.get(other, ["same-id"])).toStrictEqual([
        sampleConversation("same-id", 1),
      ]);
      expect(await adapter.chunks.get(other, ["same-id"])).toStrictEqual([sampleChunk("same-id", 1)]);
      expect(await adapter.checkpoints.load(other, theirs.job.id)).not.toBeNull();

      expect(await adapter.jobs.purgeTenant(tenant)).toBe(1);
      expect(await adapter.jobs.purgeTenant(uniqueTenant("nobody"))).toBe(0);
    });
  });
}
