import { expect } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  sampleChunk,
  sampleConversation,
  sampleFact,
  sampleLibraryVersion,
  uniqueTenant,
} from "../conformance-context.js";
import { adminCase, openAdmin } from "./admin-fixtures.js";

/** Cleanup and the tenant's library: what it keeps for the library, and when that goes. */
export function describeAdminLibrary(options: AdapterConformanceOptions): void {
  adminCase(
    options,
    "a record cleanup kept for the library is deleted once a later import takes it out of the library",
    async () => {
      const { adapter, admin } = await openAdmin(options);
      const tenant = uniqueTenant();
      const first = await createAndClaim(adapter, tenant);
      await adapter.conversations.upsert(first.lease, [sampleConversation("c1")]);
      await adapter.chunks.upsert(first.lease, [sampleChunk("k1")]);
      await adapter.facts?.upsert(first.lease, [sampleFact("f1")]);
      await adapter.library?.upsert(first.lease, [sampleLibraryVersion("v1")]);
      await adapter.conversations.updateMembership(first.lease, { addToLibrary: ["c1"] });
      await adapter.chunks.updateMembership(first.lease, { addToLibrary: ["k1"] });
      await adapter.facts?.updateMembership(first.lease, { addToLibrary: ["f1"] });
      await adapter.library?.updateMembership(first.lease, { addToLibrary: ["v1"] });
      await adapter.queue.complete(first.lease, { status: "succeeded" });
      await admin.cleanup({ olderThanMs: 0 });
      expect(await adapter.chunks.list(tenant)).toStrictEqual([sampleChunk("k1")]);

      // A re-import replaces k1 by k2 (and so on): the old versions leave the library and, held by no
      // job any more, must go too, or retention would keep every replaced version for ever.
      const second = await createAndClaim(adapter, tenant);
      await adapter.conversations.upsert(second.lease, [sampleConversation("c2", 1)]);
      await adapter.chunks.upsert(second.lease, [sampleChunk("k2", 1)]);
      await adapter.facts?.upsert(second.lease, [sampleFact("f2", 1)]);
      await adapter.library?.upsert(second.lease, [sampleLibraryVersion("v2", 1)]);
      await adapter.conversations.updateMembership(second.lease, {
        addToLibrary: ["c2"],
        removeFromLibrary: ["c1"],
      });
      await adapter.chunks.updateMembership(second.lease, {
        addToLibrary: ["k2"],
        removeFromLibrary: ["k1"],
      });
      await adapter.facts?.updateMembership(second.lease, {
        addToLibrary: ["f2"],
        removeFromLibrary: ["f1"],
      });
      await adapter.library?.updateMembership(second.lease, {
        addToLibrary: ["v2"],
        removeFromLibrary: ["v1"],
      });
      expect(await adapter.conversations.list(tenant)).toStrictEqual([sampleConversation("c2", 1)]);
      expect(await adapter.chunks.list(tenant)).toStrictEqual([sampleChunk("k2", 1)]);
      expect(await adapter.chunks.get(tenant, ["k1"])).toStrictEqual([]);
      if (adapter.facts) expect(await adapter.facts.list(tenant)).toStrictEqual([sampleFact("f2", 1)]);
      if (adapter.library)
        expect(await adapter.library.list(tenant)).toStrictEqual([sampleLibraryVersion("v2", 1)]);
      // A record another job still holds stays when it leaves the library.
      await adapter.chunks.updateMembership(second.lease, { removeFromLibrary: ["k2"] });
      expect(await adapter.chunks.list(tenant)).toStrictEqual([sampleChunk("k2", 1)]);
    },
  );

  adminCase(
    options,
    "purgeJob with keepLibrary keeps the library's records and removes the rest of the job's",
    async () => {
      const { adapter } = await openAdmin(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.chunks.upsert(claim.lease, [sampleChunk("in-library"), sampleChunk("only-job", 1)]);
      await adapter.chunks.updateMembership(claim.lease, { addToLibrary: ["in-library"] });
      await adapter.chunks.purgeJob(tenant, claim.job.id, { keepLibrary: true });
      expect(await adapter.chunks.list(tenant)).toStrictEqual([sampleChunk("in-library")]);
      expect(await adapter.chunks.list(tenant, { library: true })).toStrictEqual([sampleChunk("in-library")]);
      expect(await adapter.chunks.count(tenant, { jobId: claim.job.id })).toBe(0);
      await adapter.chunks.purgeJob(tenant, claim.job.id, { keepLibrary: true });
      expect(await adapter.chunks.count(tenant)).toBe(1);
    },
  );
}
