import { expect, it } from "vitest";
import { createAndClaim, openAdapter, uniqueTenant } from "../conformance-context.js";
import { type RecordStoreContext, ids, storeOf } from "./record-store-context.js";

/**
 * Record store cases of `list`, `get` and `count`: per-job membership with shared records, order and
 * paging, read-after-write, and the default limit.
 */
export function describeRecordListing({ options, kind }: RecordStoreContext): void {
  it("a job's list is exactly what it produced, even when another job shares some records", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    const all = ids(5).map((id, i) => kind.sample(id, i));
    await storeOf(adapter, kind.port).upsert(a.lease, all.slice(0, 3));
    await storeOf(adapter, kind.port).upsert(b.lease, all.slice(1, 5));
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: a.job.id })).toStrictEqual(
      all.slice(0, 3),
    );
    expect(await storeOf(adapter, kind.port).list(tenant, { jobId: b.job.id })).toStrictEqual(
      all.slice(1, 5),
    );
    expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual(all);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(5);
    expect(await storeOf(adapter, kind.port).count(tenant, { jobId: a.job.id })).toBe(3);
    expect(await storeOf(adapter, kind.port).count(tenant, { jobId: b.job.id })).toBe(4);
    expect(
      await storeOf(adapter, kind.port).count(tenant, { jobId: "00000000-0000-7000-8000-000000000000" }),
    ).toBe(0);
  });

  it("list sorts by id and pages with after and limit; get leaves out missing ids", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const records = ["d", "a", "c", "e", "b"].map((id, i) => kind.sample(id, i));
    await storeOf(adapter, kind.port).upsert(claim.lease, records);
    const sorted = [...records].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect((await storeOf(adapter, kind.port).list(tenant)).map((r) => r.id)).toStrictEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(await storeOf(adapter, kind.port).list(tenant, { limit: 2 })).toStrictEqual(sorted.slice(0, 2));
    expect(await storeOf(adapter, kind.port).list(tenant, { after: "b", limit: 2 })).toStrictEqual(
      sorted.slice(2, 4),
    );
    expect(await storeOf(adapter, kind.port).list(tenant, { after: "e" })).toStrictEqual([]);
    expect(
      (await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id, after: "c" })).map((r) => r.id),
    ).toStrictEqual(["d", "e"]);
    expect(
      (await storeOf(adapter, kind.port).get(tenant, ["zz", "c", "nope"])).map((r) => r.id),
    ).toStrictEqual(["c"]);
    expect(await storeOf(adapter, kind.port).get(tenant, [])).toStrictEqual([]);
  });

  it("list, get and count reflect each upsert and purge at once (read, write, read again)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    const store = storeOf(adapter, kind.port);
    const r = ["m", "c", "x", "a"].map((id, i) => kind.sample(id, i));
    await store.upsert(a.lease, [r[0]!]);
    expect((await store.list(tenant)).map((x) => x.id)).toStrictEqual(["m"]);
    expect((await store.list(tenant, { jobId: a.job.id })).map((x) => x.id)).toStrictEqual(["m"]);
    await store.upsert(a.lease, [r[1]!, r[2]!]);
    expect((await store.list(tenant)).map((x) => x.id)).toStrictEqual(["c", "m", "x"]);
    expect((await store.list(tenant, { jobId: a.job.id, after: "c" })).map((x) => x.id)).toStrictEqual([
      "m",
      "x",
    ]);
    await store.upsert(b.lease, [r[3]!, r[0]!]);
    expect((await store.list(tenant, { jobId: b.job.id })).map((x) => x.id)).toStrictEqual(["a", "m"]);
    expect((await store.list(tenant)).map((x) => x.id)).toStrictEqual(["a", "c", "m", "x"]);
    await store.purgeJob(tenant, a.job.id);
    expect((await store.list(tenant)).map((x) => x.id)).toStrictEqual(["a", "m"]);
    expect(await store.list(tenant, { jobId: a.job.id })).toStrictEqual([]);
    expect(await store.count(tenant)).toBe(2);
    await store.upsert(b.lease, [r[1]!]);
    expect((await store.list(tenant, { after: "a" })).map((x) => x.id)).toStrictEqual(["c", "m"]);
    expect((await store.get(tenant, ["x", "c"])).map((x) => x.id)).toStrictEqual(["c"]);
  });

  it("1000 records in one upsert are all stored; list returns at most 1000 by default", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const records = ids(1000, "bulk").map((id, i) => kind.sample(id, i % 7));
    await storeOf(adapter, kind.port).upsert(claim.lease, records);
    expect(await storeOf(adapter, kind.port).count(tenant)).toBe(1000);
    await storeOf(adapter, kind.port).upsert(claim.lease, [kind.sample("zzz-last", 1)]);
    const all = await storeOf(adapter, kind.port).list(tenant);
    expect(all).toHaveLength(1000);
    expect(all.at(-1)?.id).toBe("bulk-999");
    const page = await storeOf(adapter, kind.port).list(tenant, { after: "bulk-499", limit: 3 });
    expect(page).toStrictEqual(records.slice(500, 503));
  });
}
