import { expect, it } from "vitest";
import { createAndClaim, openAdapter, uniqueTenant } from "../conformance-context.js";
import { type RecordStoreContext, ids, storeOf } from "./record-store-context.js";

/**
 * Record store cases of `upsert`: exact read-back of every field (seed 004's silent column loss),
 * idempotence, replacement, and the empty upsert.
 */
export function describeRecordUpserts({ options, kind }: RecordStoreContext): void {
  it("the read-back proves every field was stored: Dates, null vs missing, empty arrays, unicode (seed 004: silent column loss)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const records = ids(6).map((id, i) => kind.sample(id, i));
    await storeOf(adapter, kind.port).upsert(claim.lease, records);
    const listed = await storeOf(adapter, kind.port).list(tenant);
    expect(listed).toStrictEqual(records);
    for (const r of listed) {
      for (const value of Object.values(r as Record<string, unknown>)) {
        if (value instanceof Date) expect(Number.isNaN(value.getTime())).toBe(false);
      }
    }
    expect(await storeOf(adapter, kind.port).get(tenant, [records[3]!.id, records[0]!.id])).toStrictEqual([
      records[3],
      records[0],
    ]);
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id })).toStrictEqual(records);
  });

  it("upsert is idempotent: the same records twice leave the same state", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const records = ids(4).map((id, i) => kind.sample(id, i));
    await storeOf(adapter, kind.port).upsert(claim.lease, records);
    const once = await storeOf(adapter, kind.port).list(tenant);
    await storeOf(adapter, kind.port).upsert(claim.lease, records);
    await Promise.all([
      storeOf(adapter, kind.port).upsert(claim.lease, records),
      storeOf(adapter, kind.port).upsert(claim.lease, records),
    ]);
    expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual(once);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(4);
    expect(await storeOf(adapter, kind.port).count(tenant, { jobId: claim.job.id })).toBe(4);
  });

  it("upsert replaces a record with the same id, every field", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const original = kind.sample("same", 1);
    await storeOf(adapter, kind.port).upsert(claim.lease, [original]);
    const changed = kind.changed(original);
    await storeOf(adapter, kind.port).upsert(claim.lease, [changed]);
    expect(await storeOf(adapter, kind.port).get(tenant, ["same"])).toStrictEqual([changed]);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(1);
  });

  it("an empty upsert is a no-op", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    await storeOf(adapter, kind.port).upsert(claim.lease, []);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(0);
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id })).toStrictEqual([]);
  });
}
