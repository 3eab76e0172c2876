import { expect, it } from "vitest";
import { progressEventSchema } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * EventLog cases of retention: trimming per job, and a `reset` carrying the job's state for a reader left
 * behind.
 */
export function describeEventLogRetention(options: AdapterConformanceOptions): void {
  it("retention trims old events; a reader behind it gets a reset with the job's state first, never silence", async () => {
    const retention = 5;
    const adapter = await openAdapter(options, retention);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(await adapter.events.append(claim.lease, progressEvent(claim.lease, i)));
    await adapter.jobs.transition(claim.lease, {
      stage: "import",
      progress: { done: 11, total: 100, unit: "conversations" },
    });

    const behind = await adapter.events.read(tenant, claim.job.id, ids[2]!, { limit: 100 });
    const [reset, ...rest] = behind;
    expect(reset).toMatchObject({
      type: "reset",
      status: "running",
      stage: "import",
      done: 11,
      total: 100,
      unit: "conversations",
      epoch: claim.lease.epoch,
    });
    expect(progressEventSchema.parse(reset)).toStrictEqual(reset);
    expect(rest.length).toBeGreaterThanOrEqual(1);
    expect(rest.length).toBeLessThanOrEqual(retention);
    expect(rest.map((e) => e.id)).toStrictEqual(ids.slice(ids.length - rest.length));

    // The reset's id is a position: reading after it gives the retained events, with no second reset.
    const resumed = await adapter.events.read(tenant, claim.job.id, reset!.id, { limit: 100 });
    expect(resumed.map((e) => e.id)).toStrictEqual(rest.map((e) => e.id));

    // A fresh reader (afterId null) of a trimmed log also learns the state first.
    const fresh = await adapter.events.read(tenant, claim.job.id, null, { limit: 100 });
    expect(fresh[0]?.type).toBe("reset");
    expect(fresh.slice(1).map((e) => e.id)).toStrictEqual(rest.map((e) => e.id));

    // A reader inside the retained window gets no reset.
    const inside = await adapter.events.read(tenant, claim.job.id, ids[10]!, { limit: 100 });
    expect(inside.map((e) => e.id)).toStrictEqual([ids[11]]);

    // With limit 1 the reset alone comes first, and the next page carries on after it.
    const one = await adapter.events.read(tenant, claim.job.id, ids[0]!, { limit: 1 });
    expect(one.map((e) => e.type)).toStrictEqual(["reset"]);
    const next = await adapter.events.read(tenant, claim.job.id, one[0]!.id, { limit: 1 });
    expect(next.map((e) => e.id)).toStrictEqual([rest[0]!.id]);
  });

  it("retention counts per job: one job's events never trim another's", async () => {
    const adapter = await openAdapter(options, 3);
    const tenant = uniqueTenant();
    const a = await createAndClaim(adapter, tenant);
    const b = await createAndClaim(adapter, tenant);
    await adapter.events.append(b.lease, progressEvent(b.lease, 0));
    for (let i = 0; i < 10; i++) await adapter.events.append(a.lease, progressEvent(a.lease, i));
    const read = await adapter.events.read(tenant, b.job.id, null);
    expect(read.map((e) => [e.type, e.done])).toStrictEqual([["progress", 0]]);
  });

  it("a reset for a finished job carries its terminal status", async () => {
    const adapter = await openAdapter(options, 2);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const first = await adapter.events.append(claim.lease, progressEvent(claim.lease, 0));
    for (let i = 1; i < 4; i++) await adapter.events.append(claim.lease, progressEvent(claim.lease, i));
    await adapter.queue.complete(claim.lease, { status: "succeeded" });
    const read = await adapter.events.read(tenant, claim.job.id, first, { limit: 100 });
    expect(read[0]).toMatchObject({ type: "reset", status: "succeeded" });
    expect(read.at(-1)).toMatchObject({ type: "succeeded", status: "succeeded" });
  });
}
