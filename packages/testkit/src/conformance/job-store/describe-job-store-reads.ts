import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  openAdapter,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * JobStore cases of `get` and `list`: unknown ids, newest-first order, status filters, paging and the
 * default limit.
 */
export function describeJobStoreReads(options: AdapterConformanceOptions): void {
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
    expect((await adapter.jobs.list(tenant, { limit: 2 })).map((j) => j.id)).toStrictEqual([ids[3], ids[2]]);
    expect((await adapter.jobs.list(tenant, { before: ids[2]!, limit: 10 })).map((j) => j.id)).toStrictEqual([
      ids[1],
      ids[0],
    ]);
    expect(await adapter.jobs.list(uniqueTenant("nobody"))).toStrictEqual([]);
  });

  it("list returns at most 100 jobs by default", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    await Promise.all(Array.from({ length: 101 }, () => adapter.jobs.create(spec(tenant))));
    expect(await adapter.jobs.list(tenant)).toHaveLength(100);
    expect(await adapter.jobs.list(tenant, { limit: 500 })).toHaveLength(101);
  });
}
