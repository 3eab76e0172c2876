import { expect } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  sampleChunk,
  sampleConversation,
  sampleFact,
  sampleLibraryVersion,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { byId, expectJobGone } from "../purge/purge-fixtures.js";
import { adminCase, finishedJob, openAdmin } from "./admin-fixtures.js";

const refs = (list: readonly { tenant: string; jobId: string }[]) =>
  list.map((r) => `${r.jobId}|${r.tenant}`).sort();

/** `JobAdmin.cleanup`: retention that removes exactly the old finished jobs and what only they held. */
/** The main cleanup case: what goes and what stays, read back through every port. */
function cleanupReadBackCase(options: AdapterConformanceOptions): void {
  adminCase(
    options,
    "cleanup removes old finished jobs of every tenant and what only they held, keeping the library and what live jobs hold",
    async () => {
      const { adapter, admin } = await openAdmin(options);
      const tenant = uniqueTenant();
      const other = uniqueTenant("other");
      const old = await createAndClaim(adapter, tenant, 30_000, { idempotencyKey: "idem" });
      const live = await createAndClaim(adapter, tenant);
      const liveCheckpoint = {
        stage: "import",
        cursors: { import: 7 },
        completed: [],
        counts: { chunks: 1 },
      };
      await adapter.checkpoints.save(live.lease, liveCheckpoint);
      const convs = ["c-only-old", "c-library", "c-shared"].map((id, i) => sampleConversation(id, i));
      const chunks = ["k-only-old", "k-library", "k-shared"].map((id, i) => sampleChunk(id, i));
      const facts = ["f-only-old", "f-library", "f-shared"].map((id, i) => sampleFact(id, i));
      const versions = ["v-only-old", "v-library"].map((id, i) => sampleLibraryVersion(id, i));
      await adapter.conversations.upsert(old.lease, convs);
      await adapter.chunks.upsert(old.lease, chunks);
      await adapter.facts?.upsert(old.lease, facts);
      await adapter.library?.upsert(old.lease, versions);
      await adapter.conversations.updateMembership(old.lease, { addToLibrary: ["c-library"] });
      await adapter.chunks.updateMembership(old.lease, { addToLibrary: ["k-library"] });
      await adapter.facts?.updateMembership(old.lease, { addToLibrary: ["f-library"] });
      await adapter.library?.updateMembership(old.lease, { addToLibrary: ["v-library"] });
      await adapter.conversations.upsert(live.lease, [convs[2]!]);
      await adapter.chunks.upsert(live.lease, [chunks[2]!]);
      await adapter.facts?.upsert(live.lease, [facts[2]!]);
      await adapter.queue.complete(old.lease, { status: "succeeded" });
      const otherFailed = await finishedJob(adapter, other, "failed");
      const cancelled = (await adapter.jobs.create(spec(other))).job;
      await adapter.jobs.requestCancel(other, cancelled.id);
      const queued = (await adapter.jobs.create(spec(other))).job;
      const liveJob = await adapter.jobs.get(tenant, live.job.id);
      const queuedJob = await adapter.jobs.get(other, queued.id);

      const first = await admin.cleanup({ olderThanMs: 0 });
      expect({ jobs: first.jobs, more: first.more }).toStrictEqual({ jobs: 3, more: false });
      expect(refs(first.removed)).toStrictEqual(
        refs([
          { tenant, jobId: old.job.id },
          { tenant: other, jobId: otherFailed.job.id },
          { tenant: other, jobId: cancelled.id },
        ]),
      );

      await expectJobGone(adapter, tenant, old.job.id);
      await expectJobGone(adapter, other, otherFailed.job.id);
      await expectJobGone(adapter, other, cancelled.id);
      expect(await adapter.jobs.get(tenant, live.job.id)).toStrictEqual(liveJob);
      expect(await adapter.jobs.get(other, queued.id)).toStrictEqual(queuedJob);
      expect(await adapter.checkpoints.load(tenant, live.job.id)).toMatchObject(liveCheckpoint);
      expect(await adapter.conversations.list(tenant)).toStrictEqual(byId(convs.slice(1)));
      expect(await adapter.conversations.list(tenant, { library: true })).toStrictEqual([convs[1]]);
      expect(await adapter.conversations.list(tenant, { jobId: live.job.id })).toStrictEqual([convs[2]]);
      expect(await adapter.chunks.list(tenant)).toStrictEqual(byId(chunks.slice(1)));
      expect(await adapter.chunks.list(tenant, { library: true })).toStrictEqual([chunks[1]]);
      if (adapter.facts) {
        expect(await adapter.facts.list(tenant)).toStrictEqual(byId(facts.slice(1)));
        expect(await adapter.facts.list(tenant, { library: true })).toStrictEqual([facts[1]]);
      }
      if (adapter.library) {
        expect(await adapter.library.list(tenant)).toStrictEqual([versions[1]]);
        expect(await adapter.library.list(tenant, { library: true })).toStrictEqual([versions[1]]);
      }
      // The old job's idempotency key is free again; the live and queued jobs still run.
      const again = await adapter.jobs.create(spec(tenant, { idempotencyKey: "idem" }));
      expect(again.created).toBe(true);
      await adapter.queue.complete(live.lease, { status: "succeeded" });
      expect(await admin.cleanup({ olderThanMs: 0 })).toStrictEqual({
        jobs: 1,
        more: false,
        removed: [{ tenant, jobId: live.job.id }],
      });
      expect(await adapter.conversations.list(tenant)).toStrictEqual([convs[1]]);
      expect(await admin.cleanup({ olderThanMs: 0 })).toStrictEqual({ jobs: 0, more: false, removed: [] });
    },
  );
}

export function describeAdminCleanup(options: AdapterConformanceOptions): void {
  cleanupReadBackCase(options);

  adminCase(
    options,
    "cleanup keeps jobs that finished less than olderThanMs ago, and retried jobs",
    async () => {
      const { adapter, admin } = await openAdmin(options);
      const tenant = uniqueTenant();
      const older = await finishedJob(adapter, tenant, "succeeded");
      const retried = await finishedJob(adapter, tenant, "failed");
      await sleep(1500);
      const recent = await finishedJob(adapter, tenant, "cancelled");
      await adapter.jobs.retry(tenant, retried.job.id);

      expect(await admin.cleanup({ olderThanMs: 60_000 })).toStrictEqual({
        jobs: 0,
        more: false,
        removed: [],
      });
      expect(await admin.cleanup({ olderThanMs: 750 })).toStrictEqual({
        jobs: 1,
        more: false,
        removed: [{ tenant, jobId: older.job.id }],
      });
      expect(await adapter.jobs.get(tenant, older.job.id)).toBeNull();
      expect((await adapter.jobs.get(tenant, recent.job.id))?.status).toBe("cancelled");
      expect((await adapter.jobs.get(tenant, retried.job.id))?.status).toBe("queued");
      expect(await adapter.events.read(tenant, recent.job.id, null)).not.toStrictEqual([]);
    },
    15_000,
  );

  adminCase(options, "cleanup works in batches of limit and says when more are due", async () => {
    const { adapter, admin } = await openAdmin(options);
    const tenant = uniqueTenant();
    for (let i = 0; i < 3; i += 1) await finishedJob(adapter, tenant, "succeeded");
    expect(await admin.cleanup({ olderThanMs: 0, limit: 2 })).toMatchObject({ jobs: 2, more: true });
    expect(await admin.cleanup({ olderThanMs: 0, limit: 2 })).toMatchObject({ jobs: 1, more: false });
    expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
  });

  const countTenantEntries = options.countTenantEntries;
  if (countTenantEntries) {
    adminCase(
      options,
      "cleanup of every job of a tenant without a library leaves no raw storage entry of it",
      async () => {
        const { adapter, admin } = await openAdmin(options);
        const tenant = uniqueTenant();
        const a = await createAndClaim(adapter, tenant, 30_000, { idempotencyKey: "i" });
        const b = await createAndClaim(adapter, tenant);
        await adapter.conversations.upsert(a.lease, [sampleConversation("shared"), sampleConversation("a")]);
        await adapter.chunks.upsert(a.lease, [sampleChunk("shared"), sampleChunk("a")]);
        await adapter.facts?.upsert(a.lease, [sampleFact("shared")]);
        await adapter.conversations.upsert(b.lease, [sampleConversation("shared")]);
        await adapter.chunks.upsert(b.lease, [sampleChunk("shared")]);
        await adapter.queue.complete(a.lease, { status: "succeeded" });
        await adapter.queue.deadLetter(b.lease, { code: "X", name: "Error", message: "x", retriable: false });
        expect(await admin.cleanup({ olderThanMs: 0 })).toMatchObject({ jobs: 2, more: false });
        expect(await countTenantEntries(adapter, tenant)).toBe(0);
      },
    );
  }
}
