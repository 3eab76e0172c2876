import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  sampleChunk,
  sampleConversation,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { ROUNDS } from "./race-rounds.js";

/**
 * Races between writers of one job: a purge against a worker's writes, a retry against a create holding
 * the same singleton key, and a stale worker's terminal write against the current one's.
 */
export function describeWriteRaces(options: AdapterConformanceOptions): void {
  it("purge racing a worker's writes: nothing of the job survives or comes back (no resurrection)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    for (let i = 0; i < ROUNDS; i++) {
      const claim = await createAndClaim(adapter, tenant);
      const { lease } = claim;
      const purging = () => adapter.jobs.purge(tenant, claim.job.id);
      // Alternate which is issued first, so both orders occur even on an in-process store.
      const early = i % 2 === 0 ? purging() : null;
      const writes = [
        adapter.checkpoints.save(lease, {
          stage: "import",
          cursors: { import: i },
          completed: [],
          counts: { chunks: i },
        }),
        adapter.events.append(lease, progressEvent(lease, i)),
        adapter.jobs.transition(lease, { stage: "import" }),
        ...(adapter.chunks.fenced ? [adapter.chunks.upsert(lease, [sampleChunk(`race-${i}`, i)])] : []),
        ...(adapter.conversations.fenced
          ? [adapter.conversations.upsert(lease, [sampleConversation(`race-${i}`, i)])]
          : []),
      ];
      const settled = await Promise.allSettled([...writes, early ?? purging()]);
      for (const s of settled.slice(0, -1)) {
        if (s.status === "rejected") expect((s.reason as Error).name).toBe("LeaseLostError");
      }
      expect(settled.at(-1)).toStrictEqual({ status: "fulfilled", value: true });
      expect(await adapter.jobs.get(tenant, claim.job.id)).toBeNull();
      expect(await adapter.checkpoints.load(tenant, claim.job.id)).toBeNull();
      expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
      if (adapter.chunks.fenced) expect(await adapter.chunks.get(tenant, [`race-${i}`])).toStrictEqual([]);
      if (adapter.conversations.fenced) {
        expect(await adapter.conversations.get(tenant, [`race-${i}`])).toStrictEqual([]);
      }
    }
    expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
  });

  it("retry racing a create with the same singletonKey: at most one active job holds the key", async () => {
    const adapter = await openAdapter(options);
    for (let i = 0; i < ROUNDS; i++) {
      const tenant = uniqueTenant();
      const { job } = await adapter.jobs.create(spec(tenant, { singletonKey: "s" }));
      await adapter.jobs.requestCancel(tenant, job.id);
      const settled = await Promise.allSettled([
        adapter.jobs.retry(tenant, job.id),
        adapter.jobs.create(spec(tenant, { singletonKey: "s" })),
      ]);
      for (const s of settled) {
        if (s.status === "rejected") expect((s.reason as Error).name).toBe("ConflictError");
      }
      expect(settled.filter((s) => s.status === "rejected")).toHaveLength(1);
      const active = await adapter.jobs.list(tenant, { status: ["queued", "running"] });
      expect(active).toHaveLength(1);
    }
  });

  it("two workers finishing the same job (one stale, one current): only the current one's outcome is kept", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const olds = await Promise.all(
      Array.from({ length: ROUNDS }, () => createAndClaim(adapter, tenant, 100)),
    );
    await sleep(300);
    for (const old of olds) {
      const current = await adapter.queue.claim("w2", 30_000, { tenant, jobId: old.job.id });
      expect(current).not.toBeNull();
      const [stale, fresh] = await Promise.allSettled([
        adapter.queue.complete(old.lease, { status: "succeeded", result: "stale" }),
        adapter.queue.deadLetter(current!.lease, {
          code: "X",
          name: "X",
          message: "current",
          retriable: false,
        }),
      ]);
      expect(stale.status).toBe("rejected");
      expect(fresh.status).toBe("fulfilled");
      const job = await adapter.jobs.get(tenant, old.job.id);
      expect(job).toMatchObject({ status: "failed", result: null, error: { message: "current" } });
      expect((await adapter.events.read(tenant, old.job.id, null)).map((e) => e.type)).toStrictEqual([
        "failed",
      ]);
    }
  });
}
