import { describe, expect, it } from "vitest";
import type { Adapter, Lease } from "@threadmill/core";
import fc from "fast-check";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  rejectsWith,
  sampleChunk,
  sampleConversation,
  spec,
  uniqueTenant,
} from "./conformance-context.js";

/** Everything the victim tenant has, read through every port. */
async function snapshot(adapter: Adapter, tenant: string, jobIds: readonly string[]) {
  return {
    jobs: await adapter.jobs.list(tenant, { limit: 1000 }),
    perJob: await Promise.all(
      jobIds.map(async (id) => ({
        job: await adapter.jobs.get(tenant, id),
        checkpoint: await adapter.checkpoints.load(tenant, id),
        events: await adapter.events.read(tenant, id, null, { limit: 1000 }),
        conversations: await adapter.conversations.list(tenant, { jobId: id }),
        chunks: await adapter.chunks.list(tenant, { jobId: id }),
      })),
    ),
    conversations: await adapter.conversations.list(tenant),
    chunks: await adapter.chunks.list(tenant),
  };
}

/** Ids that no store may choke on: any unicode but NUL (which Postgres text cannot hold). */
const anyId = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 24 })
  .filter((s) => !s.includes("\u0000"));

/**
 * Registers the tenant-isolation contract as a fast-check property: every method given another
 * tenant's id (fuzzed tenants and job ids, glob and SQL metacharacters, hash-tag braces, prefixes of
 * the real tenant) returns nothing and changes nothing.
 */
export function runTenantIsolationConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: tenant isolation`, () => {
    it("every method given another tenant's or an unknown id returns nothing and changes nothing (fuzzed ids; seed 003 fix #2: user isolation)", async () => {
      const adapter = await openAdapter(options);
      const victim = uniqueTenant("victim");
      const running = await createAndClaim(adapter, victim, 60_000);
      await adapter.checkpoints.save(running.lease, {
        stage: "import",
        cursors: { import: 7 },
        completed: [],
        counts: { chunks: 1 },
      });
      await adapter.events.append(running.lease, progressEvent(running.lease, 1));
      await adapter.conversations.upsert(running.lease, [sampleConversation("conv-1")]);
      await adapter.chunks.upsert(running.lease, [sampleChunk("chunk-1"), sampleChunk("chunk-2", 1)]);
      const { job: queued } = await adapter.jobs.create(
        spec(victim, {
          idempotencyKey: "victim-idem",
          singletonKey: "victim-single",
          runAt: Date.now() + 3_600_000,
        }),
      );
      const failedClaim = await createAndClaim(adapter, victim);
      await adapter.queue.deadLetter(failedClaim.lease, {
        code: "X",
        name: "X",
        message: "x",
        retriable: false,
      });
      const victimIds = [running.job.id, queued.id, failedClaim.job.id];
      const before = await snapshot(adapter, victim, victimIds);

      const tenantArb = fc.oneof(
        anyId,
        fc.constantFrom(
          `${victim}-`,
          victim.slice(0, -1),
          victim.toUpperCase(),
          ` ${victim}`,
          `{${victim}}`,
          "*",
          "%",
          "_",
          "?",
          "[a-z]*",
          "' OR '1'='1",
          victim,
        ),
      );
      const jobArb = fc.oneof(
        anyId,
        fc.constantFrom(...victimIds, "%", "*", `${running.job.id}%`, running.job.id.toUpperCase()),
      );
      const pair = fc
        .tuple(tenantArb, jobArb)
        .filter(([tenant, jobId]) => !(tenant === victim && victimIds.includes(jobId)));

      await fc.assert(
        fc.asyncProperty(pair, async ([tenant, jobId]) => {
          const sameTenant = tenant === victim;
          expect(await adapter.jobs.get(tenant, jobId)).toBeNull();
          if (!sameTenant) expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
          expect(await adapter.checkpoints.load(tenant, jobId)).toBeNull();
          expect(await adapter.events.read(tenant, jobId, null)).toStrictEqual([]);
          expect(await adapter.conversations.list(tenant, { jobId })).toStrictEqual([]);
          expect(await adapter.chunks.list(tenant, { jobId })).toStrictEqual([]);
          expect(await adapter.conversations.count(tenant, { jobId })).toBe(0);
          expect(await adapter.chunks.count(tenant, { jobId })).toBe(0);
          if (!sameTenant) {
            expect(await adapter.conversations.list(tenant)).toStrictEqual([]);
            expect(await adapter.chunks.get(tenant, ["chunk-1", "chunk-2"])).toStrictEqual([]);
            expect(await adapter.conversations.get(tenant, ["conv-1"])).toStrictEqual([]);
            expect(await adapter.chunks.count(tenant)).toBe(0);
          }
          expect(await adapter.queue.claim("intruder", 60_000, { tenant, jobId })).toBeNull();
          expect(await adapter.jobs.requestCancel(tenant, jobId)).toBeNull();
          expect(await adapter.jobs.retry(tenant, jobId)).toBeNull();
          expect(await adapter.jobs.purge(tenant, jobId)).toBe(false);
          if (!sameTenant) expect(await adapter.jobs.purgeTenant(tenant)).toBe(0);
          await rejectsWith(
            () => adapter.events.append({ tenant, jobId }, { type: "queued", attempt: 0, epoch: 0, at: 0 }),
            "LeaseLostError",
          );

          // A forged lease: the victim's live epoch, another tenant or job.
          const forged: Lease = { ...running.lease, tenant, jobId };
          await rejectsWith(() => adapter.jobs.transition(forged, { stage: "forged" }), "LeaseLostError");
          await rejectsWith(
            () =>
              adapter.checkpoints.save(forged, { stage: "forged", cursors: {}, completed: [], counts: {} }),
            "LeaseLostError",
          );
          await rejectsWith(() => adapter.events.append(forged, progressEvent(forged, 99)), "LeaseLostError");
          await rejectsWith(() => adapter.queue.extend(forged, 60_000), "LeaseLostError");
          await rejectsWith(() => adapter.queue.release(forged), "LeaseLostError");
          await rejectsWith(() => adapter.queue.complete(forged, { status: "succeeded" }), "LeaseLostError");
          await rejectsWith(
            () =>
              adapter.queue.deadLetter(forged, { code: "X", name: "X", message: "forged", retriable: false }),
            "LeaseLostError",
          );
          if (adapter.conversations.fenced) {
            await rejectsWith(
              () => adapter.conversations.upsert(forged, [sampleConversation("conv-1", 2)]),
              "LeaseLostError",
            );
          }
          if (adapter.chunks.fenced) {
            await rejectsWith(
              () => adapter.chunks.upsert(forged, [sampleChunk("chunk-1", 3)]),
              "LeaseLostError",
            );
          }
        }),
        { numRuns: 25 },
      );

      expect(await snapshot(adapter, victim, victimIds)).toStrictEqual(before);
      expect(await adapter.queue.claim("intruder", 60_000)).toBeNull();
    });
  });
}
