import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  openAdapter,
  progressEvent,
  rejectsWith,
  sampleChunk,
  sampleConversation,
  sampleFact,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { byId, expectJobGone, populatedJob } from "./purge-fixtures.js";

/**
 * Purge cases of one job: nothing of it is left while shared records survive, its keys are freed, and its
 * worker's lease is lost.
 */
export function describePurgeJob(options: AdapterConformanceOptions): void {
  it("purge leaves nothing of the job behind, while another job's shared records survive", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const gone = await populatedJob(adapter, tenant, { idempotencyKey: "idem", singletonKey: "single" });
    const kept = await populatedJob(adapter, tenant, {});
    const convs = ["c-only-gone", "c-shared", "c-only-kept"].map((id, i) => sampleConversation(id, i));
    const chunks = ["k-only-gone", "k-shared", "k-only-kept"].map((id, i) => sampleChunk(id, i));
    const facts = ["f-only-gone", "f-shared", "f-only-kept"].map((id, i) => sampleFact(id, i));
    await adapter.conversations.upsert(gone.lease, convs.slice(0, 2));
    await adapter.chunks.upsert(gone.lease, chunks.slice(0, 2));
    await adapter.facts?.upsert(gone.lease, facts.slice(0, 2));
    await adapter.conversations.upsert(kept.lease, convs.slice(1));
    await adapter.chunks.upsert(kept.lease, chunks.slice(1));
    await adapter.facts?.upsert(kept.lease, facts.slice(1));
    const keptJob = await adapter.jobs.get(tenant, kept.job.id);
    const keptEvents = await adapter.events.read(tenant, kept.job.id, null);

    expect(await adapter.jobs.purge(tenant, gone.job.id)).toBe(true);
    await expectJobGone(adapter, tenant, gone.job.id);
    expect(await adapter.conversations.list(tenant)).toStrictEqual(byId(convs.slice(1)));
    expect(await adapter.chunks.list(tenant)).toStrictEqual(byId(chunks.slice(1)));
    expect(await adapter.conversations.get(tenant, ["c-only-gone"])).toStrictEqual([]);
    expect(await adapter.chunks.get(tenant, ["k-only-gone"])).toStrictEqual([]);
    if (adapter.facts) {
      expect(await adapter.facts.list(tenant)).toStrictEqual(byId(facts.slice(1)));
      expect(await adapter.facts.get(tenant, ["f-only-gone"])).toStrictEqual([]);
      expect(await adapter.facts.list(tenant, { jobId: kept.job.id })).toStrictEqual(byId(facts.slice(1)));
    }

    expect(await adapter.jobs.get(tenant, kept.job.id)).toStrictEqual(keptJob);
    expect(await adapter.events.read(tenant, kept.job.id, null)).toStrictEqual(keptEvents);
    expect(await adapter.conversations.list(tenant, { jobId: kept.job.id })).toStrictEqual(
      byId(convs.slice(1)),
    );
    expect(await adapter.chunks.list(tenant, { jobId: kept.job.id })).toStrictEqual(byId(chunks.slice(1)));
    expect(await adapter.checkpoints.load(tenant, kept.job.id)).not.toBeNull();

    expect(await adapter.jobs.purge(tenant, gone.job.id)).toBe(false);
  });

  it("purge frees the job's idempotency and singleton keys", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const gone = await populatedJob(adapter, tenant, { idempotencyKey: "idem", singletonKey: "single" });
    await adapter.jobs.purge(tenant, gone.job.id);
    const again = await adapter.jobs.create(spec(tenant, { idempotencyKey: "idem", singletonKey: "single" }));
    expect(again.created).toBe(true);
    expect(again.job.id).not.toBe(gone.job.id);
  });

  it("a purged running job's worker loses its lease: every write throws LeaseLostError and recreates nothing", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await populatedJob(adapter, tenant, {});
    await adapter.jobs.purge(tenant, claim.job.id);
    const { lease } = claim;
    await rejectsWith(() => adapter.queue.extend(lease, 30_000), "LeaseLostError");
    await rejectsWith(() => adapter.jobs.transition(lease, { stage: "x" }), "LeaseLostError");
    await rejectsWith(
      () => adapter.checkpoints.save(lease, { stage: "x", cursors: {}, completed: [], counts: {} }),
      "LeaseLostError",
    );
    await rejectsWith(() => adapter.events.append(lease, progressEvent(lease, 3)), "LeaseLostError");
    if (adapter.conversations.fenced) {
      await rejectsWith(
        () => adapter.conversations.upsert(lease, [sampleConversation("late")]),
        "LeaseLostError",
      );
    }
    if (adapter.chunks.fenced) {
      await rejectsWith(() => adapter.chunks.upsert(lease, [sampleChunk("late")]), "LeaseLostError");
    }
    const { facts } = adapter;
    if (facts?.fenced) {
      await rejectsWith(() => facts.upsert(lease, [sampleFact("late")]), "LeaseLostError");
    }
    await rejectsWith(() => adapter.queue.release(lease), "LeaseLostError");
    await rejectsWith(() => adapter.queue.complete(lease, { status: "succeeded" }), "LeaseLostError");
    await rejectsWith(
      () => adapter.queue.deadLetter(lease, { code: "X", name: "X", message: "x", retriable: false }),
      "LeaseLostError",
    );
    await expectJobGone(adapter, tenant, claim.job.id);
    if (adapter.chunks.fenced) expect(await adapter.chunks.count(tenant)).toBe(0);
    if (adapter.conversations.fenced) expect(await adapter.conversations.count(tenant)).toBe(0);
    if (facts?.fenced) expect(await facts.count(tenant)).toBe(0);
  });
}
