import { expect, it } from "vitest";
import { createAndClaim, openAdapter, uniqueTenant } from "../conformance-context.js";
import { type RecordStoreContext, type AnyRecord, storeOf } from "./record-store-context.js";

/**
 * Record store cases of what one record may touch: the same id in two tenants is two records, and no
 * caller's object aliases a stored one.
 */
export function describeRecordIsolation({ options, kind }: RecordStoreContext): void {
  it("records are per tenant: the same id in two tenants is two records", async () => {
    const adapter = await openAdapter(options);
    const t1 = uniqueTenant("one");
    const t2 = uniqueTenant("two");
    const c1 = await createAndClaim(adapter, t1);
    const c2 = await createAndClaim(adapter, t2);
    const mine = kind.sample("shared-id", 0);
    const theirs = kind.changed(kind.sample("shared-id", 0));
    await storeOf(adapter, kind.port).upsert(c1.lease, [mine]);
    await storeOf(adapter, kind.port).upsert(c2.lease, [theirs]);
    expect(await storeOf(adapter, kind.port).get(t1, ["shared-id"])).toStrictEqual([mine]);
    expect(await storeOf(adapter, kind.port).get(t2, ["shared-id"])).toStrictEqual([theirs]);
    expect(await storeOf(adapter, kind.port).list(t1, { jobId: c2.job.id })).toStrictEqual([]);
  });

  it("neither the upserted records nor the returned ones alias the stored records", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const record = kind.sample("x", 1) as Record<string, unknown>;
    const expected = structuredClone(record);
    await storeOf(adapter, kind.port).upsert(claim.lease, [record as AnyRecord]);
    record.id = "mutated";
    const got = (await storeOf(adapter, kind.port).list(tenant)) as Record<string, unknown>[];
    expect(got).toStrictEqual([expected]);
    got[0]!.id = "mutated-again";
    expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual([expected]);
  });
}
