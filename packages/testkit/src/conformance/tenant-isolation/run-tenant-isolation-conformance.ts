import { describe, expect, it } from "vitest";
import type { Lease } from "@threadmill/core";
import fc from "fast-check";
import {
  type AdapterConformanceOptions,
  openAdapter,
  progressEvent,
  rejectsWith,
  sampleChunk,
  sampleConversation,
  sampleFact,
} from "../conformance-context.js";
import { foreignPairs } from "./foreign-pairs.js";
import { seedVictim } from "./seed-victim.js";
import { snapshot } from "./snapshot.js";

/**
 * Registers the tenant-isolation contract as a fast-check property: every method given another
 * tenant's id (fuzzed tenants and job ids, glob and SQL metacharacters, hash-tag braces, prefixes of
 * the real tenant) returns nothing and changes nothing.
 */
export function runTenantIsolationConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: tenant isolation`, () => {
    it("every method given another tenant's or an unknown id returns nothing and changes nothing (fuzzed ids; seed 003 fix #2: user isolation)", async () => {
      const adapter = await openAdapter(options);
      const { facts, library } = adapter;
      const { victim, running, victimIds } = await seedVictim(adapter);
      const before = await snapshot(adapter, victim, victimIds);

      const pair = foreignPairs(victim, running.job.id, victimIds);

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
          if (facts) {
            expect(await facts.list(tenant, { jobId })).toStrictEqual([]);
            expect(await facts.count(tenant, { jobId })).toBe(0);
          }
          if (!sameTenant) {
            expect(await adapter.conversations.list(tenant)).toStrictEqual([]);
            expect(await adapter.chunks.get(tenant, ["chunk-1", "chunk-2"])).toStrictEqual([]);
            expect(await adapter.conversations.get(tenant, ["conv-1"])).toStrictEqual([]);
            expect(await adapter.chunks.count(tenant)).toBe(0);
            expect(await adapter.chunks.list(tenant, { library: true })).toStrictEqual([]);
            expect(await adapter.conversations.count(tenant, { library: true })).toBe(0);
            if (library) {
              expect(await library.list(tenant, { library: true })).toStrictEqual([]);
              expect(await library.get(tenant, ["version-1"])).toStrictEqual([]);
              expect(await library.count(tenant)).toBe(0);
            }
            if (facts) {
              expect(await facts.list(tenant)).toStrictEqual([]);
              expect(await facts.get(tenant, ["fact-1", "fact-2"])).toStrictEqual([]);
              expect(await facts.count(tenant)).toBe(0);
            }
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
          if (facts?.fenced) {
            await rejectsWith(() => facts.upsert(forged, [sampleFact("fact-1", 3)]), "LeaseLostError");
          }
          if (adapter.chunks.fenced) {
            await rejectsWith(
              () => adapter.chunks.updateMembership(forged, { removeFromLibrary: ["chunk-1"] }),
              "LeaseLostError",
            );
          }
          if (library?.fenced) {
            await rejectsWith(
              () => library.updateMembership(forged, { removeFromLibrary: ["version-1"] }),
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
