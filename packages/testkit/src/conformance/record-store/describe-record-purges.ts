import { expect, it } from "vitest";
import { createAndClaim, openAdapter, uniqueTenant } from "../conformance-context.js";
import { type RecordStoreContext, ids, storeOf } from "./record-store-context.js";

/**
 * The record store case of `purgeJob` and `purgeTenant`: a job's memberships and its unshared records go,
 * other tenants stay.
 */
export function describeRecordPurges({ options, kind }: RecordStoreContext): void {
  it("purgeJob removes the job's memberships and the records no other job references; purgeTenant removes all", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const other = uniqueTenant("other");
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    const o = await createAndClaim(adapter, other);
    const all = ids(4).map((id, i) => kind.sample(id, i));
    await storeOf(adapter, kind.port).upsert(a.lease, all.slice(0, 3));
    await storeOf(adapter, kind.port).upsert(b.lease, all.slice(2, 4));
    await storeOf(adapter, kind.port).upsert(o.lease, all);
    await storeOf(adapter, kind.port).purgeJob(tenant, a.job.id);
    await storeOf(adapter, kind.port).purgeJob(tenant, a.job.id);
    expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual(all.slice(2, 4));
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: a.job.id })).toStrictEqual([]);
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: b.job.id })).toStrictEqual(
      all.slice(2, 4),
    );
    await storeOf(adapter, kind.port).purgeTenant(tenant);
    await storeOf(adapter, kind.port).purgeTenant(tenant);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(0);
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: b.job.id })).toStrictEqual([]);
    expect(await storeOf(adapter, kind.port).list(other)).toStrictEqual(all);
    expect(await storeOf(adapter, kind.port).count(other, { jobId: o.job.id })).toBe(4);
  });
}
