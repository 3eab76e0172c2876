import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  openAdapter,
  sampleChunk,
  sampleConversation,
  sampleFact,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { expectJobGone, populatedJob } from "./purge-fixtures.js";

/**
 * Purge cases at its edges: an unknown or another tenant's job is not purged, and `purgeTenant` removes
 * one tenant and only it.
 */
export function describePurgeBoundaries(options: AdapterConformanceOptions): void {
  it("purge of an unknown job returns false and changes nothing", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await populatedJob(adapter, tenant, {});
    const before = await adapter.jobs.get(tenant, claim.job.id);
    expect(await adapter.jobs.purge(tenant, "00000000-0000-7000-8000-000000000000")).toBe(false);
    expect(await adapter.jobs.purge(uniqueTenant("x"), claim.job.id)).toBe(false);
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(before);
  });

  it("purgeTenant leaves nothing of the tenant behind and returns the number of jobs; other tenants survive", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const other = uniqueTenant("other");
    const jobs = [
      await populatedJob(adapter, tenant, { idempotencyKey: "i" }),
      await populatedJob(adapter, tenant, { singletonKey: "s" }),
    ];
    const { job: queued } = await adapter.jobs.create(spec(tenant));
    await adapter.events.append(
      { tenant, jobId: queued.id },
      { type: "queued", attempt: 0, epoch: 0, at: Date.now() },
    );
    await adapter.conversations.upsert(jobs[0]!.lease, [sampleConversation("same-id")]);
    await adapter.chunks.upsert(jobs[1]!.lease, [sampleChunk("same-id")]);
    await adapter.facts?.upsert(jobs[1]!.lease, [sampleFact("same-id")]);
    await adapter.queue.complete(jobs[0]!.lease, { status: "succeeded" });

    const theirs = await populatedJob(adapter, other, { idempotencyKey: "i", singletonKey: "s" });
    await adapter.conversations.upsert(theirs.lease, [sampleConversation("same-id", 1)]);
    await adapter.chunks.upsert(theirs.lease, [sampleChunk("same-id", 1)]);
    await adapter.facts?.upsert(theirs.lease, [sampleFact("same-id", 1)]);
    const theirJob = await adapter.jobs.get(other, theirs.job.id);
    const theirEvents = await adapter.events.read(other, theirs.job.id, null);

    expect(await adapter.jobs.purgeTenant(tenant)).toBe(3);
    for (const id of [jobs[0]!.job.id, jobs[1]!.job.id, queued.id]) await expectJobGone(adapter, tenant, id);
    expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
    expect(await adapter.conversations.count(tenant)).toBe(0);
    expect(await adapter.chunks.count(tenant)).toBe(0);
    expect(await adapter.conversations.list(tenant)).toStrictEqual([]);
    expect(await adapter.chunks.get(tenant, ["same-id"])).toStrictEqual([]);
    if (adapter.facts) {
      expect(await adapter.facts.count(tenant)).toBe(0);
      expect(await adapter.facts.get(tenant, ["same-id"])).toStrictEqual([]);
    }
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
    expect(
      (await adapter.jobs.create(spec(tenant, { idempotencyKey: "i", singletonKey: "s" }))).created,
    ).toBe(true);

    expect(await adapter.jobs.get(other, theirs.job.id)).toStrictEqual(theirJob);
    expect(await adapter.events.read(other, theirs.job.id, null)).toStrictEqual(theirEvents);
    expect(await adapter.conversations.get(other, ["same-id"])).toStrictEqual([
      sampleConversation("same-id", 1),
    ]);
    expect(await adapter.chunks.get(other, ["same-id"])).toStrictEqual([sampleChunk("same-id", 1)]);
    if (adapter.facts) {
      expect(await adapter.facts.get(other, ["same-id"])).toStrictEqual([sampleFact("same-id", 1)]);
    }
    expect(await adapter.checkpoints.load(other, theirs.job.id)).not.toBeNull();

    expect(await adapter.jobs.purgeTenant(tenant)).toBe(1);
    expect(await adapter.jobs.purgeTenant(uniqueTenant("nobody"))).toBe(0);
  });
}
