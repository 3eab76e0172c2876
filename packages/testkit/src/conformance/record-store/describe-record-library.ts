import { expect, it } from "vitest";
import { createAndClaim, openAdapter, rejectsWith, uniqueTenant } from "../conformance-context.js";
import { type AnyRecord, type RecordStoreContext, ids, storeOf } from "./record-store-context.js";

const idsOf = (records: readonly AnyRecord[]) => records.map((r) => r.id);

/**
 * Record store cases of the tenant's library: `updateMembership` (holds, library membership, one
 * atomic step, fenced when declared), reads with `library: true`, and library membership being no
 * reference for a job's purge.
 */
export function describeRecordLibrary({ options, kind, fencedSinks }: RecordStoreContext): void {
  it("updateMembership moves records into and out of the library and holds them for a job; unknown ids are skipped", async () => {
    const adapter = await openAdapter(options);
    const store = storeOf(adapter, kind.port);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    const all = ids(5).map((id, i) => kind.sample(id, i));
    const [r0, r1, r2, r3, r4] = idsOf(all) as [string, string, string, string, string];
    await store.upsert(a.lease, all);
    expect(await store.list(tenant, { library: true })).toStrictEqual([]);
    expect(await store.count(tenant, { library: true })).toBe(0);

    await store.updateMembership(a.lease, { addToLibrary: [r2, r0, r1, "nope"] });
    expect(await store.list(tenant, { library: true })).toStrictEqual(all.slice(0, 3));
    const change = { hold: [r1, r3, "nope"], addToLibrary: [r3, r4], removeFromLibrary: [r0, r1, r4] };
    await store.updateMembership(b.lease, change);
    await store.updateMembership(b.lease, change);
    // r4 is in both lists: adding wins.
    expect(idsOf(await store.list(tenant, { library: true }))).toStrictEqual([r2, r3, r4]);
    expect(await store.count(tenant, { library: true })).toBe(3);
    expect(idsOf(await store.list(tenant, { library: true, after: r2, limit: 1 }))).toStrictEqual([r3]);
    expect(idsOf(await store.list(tenant, { jobId: b.job.id }))).toStrictEqual([r1, r3]);
    expect(await store.count(tenant, { jobId: b.job.id })).toBe(2);
    // `jobId` wins over `library`; unscoped reads see every record, in the library or not.
    expect(idsOf(await store.list(tenant, { jobId: b.job.id, library: true }))).toStrictEqual([r1, r3]);
    expect(await store.count(tenant)).toBe(5);
    expect(await store.get(tenant, ["nope"])).toStrictEqual([]);
    await store.updateMembership(b.lease, {});
    expect(await store.list(tenant, { library: true })).toStrictEqual([all[2], all[3], all[4]]);
  });

  it("library membership is no reference: a job's purge removes the records only it holds, from the library too; a held record stays", async () => {
    const adapter = await openAdapter(options);
    const store = storeOf(adapter, kind.port);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    const all = ids(3).map((id, i) => kind.sample(id, i));
    const [r0, r1, r2] = idsOf(all) as [string, string, string];
    await store.upsert(a.lease, all.slice(0, 2));
    await store.upsert(b.lease, [all[2]!]);
    await store.updateMembership(a.lease, { addToLibrary: [r0, r1] });
    await store.updateMembership(b.lease, { hold: [r1], addToLibrary: [r2] });
    await store.purgeJob(tenant, a.job.id);
    expect(await store.list(tenant)).toStrictEqual(all.slice(1));
    expect(await store.list(tenant, { library: true })).toStrictEqual(all.slice(1));
    expect(await store.count(tenant, { library: true })).toBe(2);
    // The job purge of the store (JobStore.purge) follows the same rule.
    await adapter.queue.complete(b.lease, { status: "succeeded" });
    expect(await adapter.jobs.purge(tenant, b.job.id)).toBe(true);
    expect(await store.list(tenant, { library: true })).toStrictEqual([]);
    expect(await store.count(tenant, { library: true })).toBe(0);
    expect(await store.count(tenant)).toBe(0);
    const c = await createAndClaim(adapter, tenant);
    await store.upsert(c.lease, all);
    await store.updateMembership(c.lease, { addToLibrary: [r0, r1, r2] });
    await store.purgeTenant(tenant);
    expect(await store.count(tenant, { library: true })).toBe(0);
    expect(await store.list(tenant, { library: true })).toStrictEqual([]);
  });

  it("a reader of the library never sees half of an updateMembership", async () => {
    const adapter = await openAdapter(options);
    const store = storeOf(adapter, kind.port);
    const tenant = uniqueTenant();
    const job = await createAndClaim(adapter, tenant);
    const before = ids(150, "a");
    const after = ids(150, "b");
    await store.upsert(
      job.lease,
      [...before, ...after].map((id, i) => kind.sample(id, i)),
    );
    await store.updateMembership(job.lease, { addToLibrary: before });
    let swapping = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (swapping) {
        const read = idsOf(await store.list(tenant, { library: true, limit: 1000 }));
        const key = read.join(",");
        if (key !== before.join(",") && key !== after.join(",")) seen.push(`${read.length} ids`);
      }
    })();
    for (let i = 0; i < 10; i++) {
      const [from, to] = i % 2 === 0 ? [before, after] : [after, before];
      await store.updateMembership(job.lease, { addToLibrary: to, removeFromLibrary: from });
    }
    swapping = false;
    await reader;
    expect(seen, "reads that were neither the old set nor the new one").toStrictEqual([]);
  });

  if (fencedSinks) {
    it("updateMembership under a superseded lease throws LeaseLostError and changes nothing", async () => {
      const adapter = await openAdapter(options);
      const store = storeOf(adapter, kind.port);
      const tenant = uniqueTenant();
      const old = await createAndClaim(adapter, tenant);
      const kept = kind.sample("kept", 0);
      await store.upsert(old.lease, [kept]);
      await adapter.queue.release(old.lease);
      const current = await adapter.queue.claim("w2", 30_000);
      const err = await rejectsWith(
        () => store.updateMembership(old.lease, { hold: ["kept"], addToLibrary: ["kept"] }),
        "LeaseLostError",
      );
      expect(err.currentEpoch).toBe(current!.lease.epoch);
      expect(await store.count(tenant, { library: true })).toBe(0);
      await store.updateMembership(current!.lease, { addToLibrary: ["kept"] });
      await rejectsWith(
        () => store.updateMembership(old.lease, { removeFromLibrary: ["kept"] }),
        "LeaseLostError",
      );
      expect(await store.list(tenant, { library: true })).toStrictEqual([kept]);
    });
  }
}
