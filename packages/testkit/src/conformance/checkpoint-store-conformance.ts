import { describe, expect, it } from "vitest";
import type { Checkpoint } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sleep,
  uniqueTenant,
} from "./conformance-context.js";

const CHECKPOINT: Checkpoint = {
  stage: "import",
  cursors: {
    import: { entry: "conversations-001.json", offset: 9_007_199_254_740, index: 41, note: "ünï 🧵 'q'" },
    facts: null,
    list: [1, 2.5, -3, true, false, "", { deep: { deeper: [] } }],
  },
  completed: ["download"],
  counts: { conversations: 42, messages: 1_234, chunks: 567, issues: 0 },
};

/**
 * Registers the CheckpointStore contract as vitest cases: exact read-back, replace semantics, the
 * copy of stage and counts onto the job with the attempts reset, and fencing.
 */
export function runCheckpointStoreConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: CheckpointStore`, () => {
    it("load returns null for a job that never saved one, and for an unknown job", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      expect(await adapter.checkpoints.load(tenant, claim.job.id)).toBeNull();
      expect(await adapter.checkpoints.load(tenant, "00000000-0000-7000-8000-000000000000")).toBeNull();
    });

    it("save then load gives back every field exactly; the saved object is not aliased", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const mine = structuredClone(CHECKPOINT) as { counts: Record<string, number> } & Checkpoint;
      await adapter.checkpoints.save(claim.lease, mine);
      mine.counts.chunks = -1;
      const loaded = await adapter.checkpoints.load(tenant, claim.job.id);
      expect(loaded).toStrictEqual(CHECKPOINT);
      (loaded as { counts: Record<string, number> }).counts.chunks = -2;
      expect(await adapter.checkpoints.load(tenant, claim.job.id)).toStrictEqual(CHECKPOINT);
    });

    it("save copies stage and counts onto the job and resets attempts to 0, atomically with the checkpoint", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const first = await createAndClaim(adapter, tenant);
      await adapter.queue.release(first.lease);
      const second = await adapter.queue.claim("w", 30_000);
      expect(second?.job.attempts).toBe(2);
      await sleep(2);
      await adapter.checkpoints.save(second!.lease, CHECKPOINT);
      const job = await adapter.jobs.get(tenant, first.job.id);
      expect(job).toMatchObject({
        stage: "import",
        counts: CHECKPOINT.counts,
        attempts: 0,
        status: "running",
      });
      expect(job!.updatedAt).toBeGreaterThanOrEqual(second!.job.updatedAt);
      await adapter.queue.release(second!.lease);
      const third = await adapter.queue.claim("w", 30_000);
      expect(third?.job.attempts).toBe(1);
      expect(third?.job.counts).toStrictEqual(CHECKPOINT.counts);
    });

    it("save replaces the whole checkpoint (no merge of cursors or counts)", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.checkpoints.save(claim.lease, CHECKPOINT);
      const next: Checkpoint = {
        stage: "facts",
        cursors: { facts: 3 },
        completed: ["download", "import"],
        counts: { facts: 9 },
      };
      await adapter.checkpoints.save(claim.lease, next);
      expect(await adapter.checkpoints.load(tenant, claim.job.id)).toStrictEqual(next);
      expect((await adapter.jobs.get(tenant, claim.job.id))?.counts).toStrictEqual({ facts: 9 });
    });

    it("save under a superseded lease throws LeaseLostError and changes neither the checkpoint nor the job", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const old = await createAndClaim(adapter, tenant);
      await adapter.checkpoints.save(old.lease, CHECKPOINT);
      await adapter.queue.release(old.lease);
      const current = await adapter.queue.claim("w2", 30_000);
      const before = await adapter.jobs.get(tenant, old.job.id);
      expect(before?.attempts).toBe(1);
      const err = await rejectsWith(
        () =>
          adapter.checkpoints.save(old.lease, {
            stage: "zombie",
            cursors: {},
            completed: [],
            counts: { chunks: 1 },
          }),
        "LeaseLostError",
      );
      expect(err.epoch).toBe(old.lease.epoch);
      expect(err.currentEpoch).toBe(current!.lease.epoch);
      expect(await adapter.checkpoints.load(tenant, old.job.id)).toStrictEqual(CHECKPOINT);
      expect(await adapter.jobs.get(tenant, old.job.id)).toStrictEqual(before);
    });

    it("save after the job ended or was purged throws LeaseLostError", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const a = await createAndClaim(adapter, tenant);
      await adapter.queue.complete(a.lease, { status: "succeeded" });
      await rejectsWith(() => adapter.checkpoints.save(a.lease, CHECKPOINT), "LeaseLostError");
      expect(await adapter.checkpoints.load(tenant, a.job.id)).toBeNull();
      const b = await createAndClaim(adapter, tenant);
      await adapter.jobs.purge(tenant, b.job.id);
      await rejectsWith(() => adapter.checkpoints.save(b.lease, CHECKPOINT), "LeaseLostError");
      expect(await adapter.checkpoints.load(tenant, b.job.id)).toBeNull();
    });

    it("the checkpoint survives release and re-claim", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const first = await createAndClaim(adapter, tenant);
      await adapter.checkpoints.save(first.lease, CHECKPOINT);
      await adapter.queue.release(first.lease);
      const second = await adapter.queue.claim("w", 30_000);
      expect(second?.job.stage).toBe("import");
      expect(await adapter.checkpoints.load(tenant, first.job.id)).toStrictEqual(CHECKPOINT);
    });
  });
}
