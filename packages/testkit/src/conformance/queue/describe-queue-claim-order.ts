import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  openAdapter,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * Queue cases of which job a claim gets: priority, then runAt, then age; every tenant; a job claimed by
 * name.
 */
export function describeQueueClaimOrder(options: AdapterConformanceOptions): void {
  it("claims go to the highest priority first, then the earliest runAt, then the oldest job", async () => {
    const adapter = await openAdapter(options);
    const past = Date.now() - 10_000;
    const ids: Record<string, string> = {};
    const make = async (label: string, priority: number, runAt: number) => {
      ids[label] = (await adapter.jobs.create(spec(uniqueTenant(label), { priority, runAt }))).job.id;
      await sleep(3);
    };
    await make("low", -1, past);
    await make("mid-late", 0, past + 500);
    await make("mid-old", 0, past);
    await make("mid-young", 0, past);
    await make("high", 5, past + 900);
    const order: string[] = [];
    for (;;) {
      const claim = await adapter.queue.claim("w", 30_000);
      if (!claim) break;
      order.push(Object.keys(ids).find((k) => ids[k] === claim.job.id)!);
    }
    expect(order).toStrictEqual(["high", "mid-old", "mid-young", "mid-late", "low"]);
  });

  it("claim serves every tenant", async () => {
    const adapter = await openAdapter(options);
    const tenants = [uniqueTenant("a"), uniqueTenant("b"), uniqueTenant("c")];
    for (const t of tenants) await adapter.jobs.create(spec(t));
    const claimed = new Set<string>();
    for (let i = 0; i < 3; i++) claimed.add((await adapter.queue.claim("w", 30_000))!.lease.tenant);
    expect(claimed).toStrictEqual(new Set(tenants));
  });

  it("claim of a named job hands out only that job, and null when it is not claimable", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job: high } = await adapter.jobs.create(spec(tenant, { priority: 10 }));
    const { job: mine } = await adapter.jobs.create(spec(tenant));
    const { job: later } = await adapter.jobs.create(spec(tenant, { runAt: Date.now() + 60_000 }));
    const claim = await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id });
    expect(claim?.job.id).toBe(mine.id);
    expect(claim?.lease.epoch).toBe(1);
    expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id })).toBeNull();
    expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: later.id })).toBeNull();
    expect(
      await adapter.queue.claim("cli", 30_000, { tenant: uniqueTenant("x"), jobId: high.id }),
    ).toBeNull();
    expect(
      await adapter.queue.claim("cli", 30_000, { tenant, jobId: "00000000-0000-7000-8000-000000000000" }),
    ).toBeNull();
    expect((await adapter.jobs.get(tenant, high.id))?.status).toBe("queued");
    await adapter.queue.complete(claim!.lease, { status: "succeeded" });
    expect(await adapter.queue.claim("cli", 30_000, { tenant, jobId: mine.id })).toBeNull();
  });
}
