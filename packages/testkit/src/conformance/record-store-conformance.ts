import { describe, expect, it } from "vitest";
import type { Adapter, RecordStore } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  rejectsWith,
  sampleChunk,
  sampleConversation,
  uniqueTenant,
} from "./conformance-context.js";

type AnyRecord = { readonly id: string };

interface SinkKind {
  readonly port: "conversations" | "chunks";
  readonly sample: (id: string, variant?: number) => AnyRecord;
  /** The sample with a changed field, for replace semantics. */
  readonly changed: (record: AnyRecord) => AnyRecord;
}

const KINDS: readonly SinkKind[] = [
  {
    port: "conversations",
    sample: sampleConversation,
    changed: (r) => ({ ...r, title: "changed ✓", model: null }),
  },
  {
    port: "chunks",
    sample: sampleChunk,
    changed: (r) => ({ ...r, text: "changed ✓", tokens: 2, startAt: null }),
  },
];

function storeOf(adapter: Adapter, port: SinkKind["port"]): RecordStore<AnyRecord> {
  return adapter[port] as unknown as RecordStore<AnyRecord>;
}

/**
 * Registers the ConversationStore and ChunkStore contracts as vitest cases: exact read-back of every
 * field (seed 004's silent column loss), idempotent upserts, per-job membership with shared records,
 * listing and paging, fencing when declared, and the store-level purges.
 */
export function runRecordStoreConformance(options: AdapterConformanceOptions): void {
  const fencedSinks = options.capabilities?.fencedSinks === true;

  for (const kind of KINDS) {
    describe(`${options.name}: ${kind.port === "chunks" ? "ChunkStore" : "ConversationStore"}`, () => {
      const ids = (n: number, prefix = "r") =>
        Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);

      it("the read-back proves every field was stored: Dates, null vs missing, empty arrays, unicode (seed 004: silent column loss)", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        const records = ids(6).map((id, i) => kind.sample(id, i));
        await storeOf(adapter, kind.port).upsert(claim.lease, records);
        const listed = await storeOf(adapter, kind.port).list(tenant);
        expect(listed).toStrictEqual(records);
        for (const r of listed) {
          for (const value of Object.values(r as Record<string, unknown>)) {
            if (value instanceof Date) expect(Number.isNaN(value.getTime())).toBe(false);
          }
        }
        expect(await storeOf(adapter, kind.port).get(tenant, [records[3]!.id, records[0]!.id])).toStrictEqual(
          [records[3], records[0]],
        );
        expect(await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id })).toStrictEqual(
          records,
        );
      });

      it("upsert is idempotent: the same records twice leave the same state", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        const records = ids(4).map((id, i) => kind.sample(id, i));
        await storeOf(adapter, kind.port).upsert(claim.lease, records);
        const once = await storeOf(adapter, kind.port).list(tenant);
        await storeOf(adapter, kind.port).upsert(claim.lease, records);
        await Promise.all([
          storeOf(adapter, kind.port).upsert(claim.lease, records),
          storeOf(adapter, kind.port).upsert(claim.lease, records),
        ]);
        expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual(once);
        expect(await storeOf(adapter, kind.port).count(tenant)).toBe(4);
        expect(await storeOf(adapter, kind.port).count(tenant, { jobId: claim.job.id })).toBe(4);
      });

      it("upsert replaces a record with the same id, every field", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        const original = kind.sample("same", 1);
        await storeOf(adapter, kind.port).upsert(claim.lease, [original]);
        const changed = kind.changed(original);
        await storeOf(adapter, kind.port).upsert(claim.lease, [changed]);
        expect(await storeOf(adapter, kind.port).get(tenant, ["same"])).toStrictEqual([changed]);
        expect(await storeOf(adapter, kind.port).count(tenant)).toBe(1);
      });

      it("an empty upsert is a no-op", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        await storeOf(adapter, kind.port).upsert(claim.lease, []);
        expect(await storeOf(adapter, kind.port).count(tenant)).toBe(0);
        expect(await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id })).toStrictEqual([]);
      });

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
        expect(await storeOf(adapter, kind.port).list(tenant, { limit: 2 })).toStrictEqual(
          sorted.slice(0, 2),
        );
        expect(await storeOf(adapter, kind.port).list(tenant, { after: "b", limit: 2 })).toStrictEqual(
          sorted.slice(2, 4),
        );
        expect(await storeOf(adapter, kind.port).list(tenant, { after: "e" })).toStrictEqual([]);
        expect(
          (await storeOf(adapter, kind.port).list(tenant, { jobId: claim.job.id, after: "c" })).map(
            (r) => r.id,
          ),
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

      it("records are per tenant: the same id in two tenants is two records", async () => {
        const adapter = await openAdapter(options);
        const t1 = uniqueTenant("one");
        const t2 = uniqueTenant("two");
        const c1 = await createAndClaim(adapter, t1);
        const c2 = await createAndClaim(adapter, t2);
        const mine = kind.sample("shared-id", 0);
        const theirs = kind.changed(kind.sample("shared-id", 0));
        await storeOf(adapter, kind.port).upsert(c1.lease, [mine]);
        await storeOf(adapter, kind.port).upsert(c2.lease, [theirs]);
        expect(await storeOf(adapter, kind.port).get(t1, ["shared-id"])).toStrictEqual([mine]);
        expect(await storeOf(adapter, kind.port).get(t2, ["shared-id"])).toStrictEqual([theirs]);
        expect(await storeOf(adapter, kind.port).list(t1, { jobId: c2.job.id })).toStrictEqual([]);
      });

      it("neither the upserted records nor the returned ones alias the stored records", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        const record = kind.sample("x", 1) as Record<string, unknown>;
        const expected = structuredClone(record);
        await storeOf(adapter, kind.port).upsert(claim.lease, [record as AnyRecord]);
        record.id = "mutated";
        const got = (await storeOf(adapter, kind.port).list(tenant)) as Record<string, unknown>[];
        expect(got).toStrictEqual([expected]);
        got[0]!.id = "mutated-again";
        expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual([expected]);
      });

      it(`fenced is declared consistently with capabilities.fencedSinks (${fencedSinks})`, async () => {
        const adapter = await openAdapter(options);
        if (fencedSinks) expect(storeOf(adapter, kind.port).fenced).toBe(true);
        expect(typeof storeOf(adapter, kind.port).fenced).toBe("boolean");
      });

      const fencedCase =
        "an upsert under a superseded lease throws LeaseLostError and writes nothing (read back)";
      if (fencedSinks) {
        it(fencedCase, async () => {
          const adapter = await openAdapter(options);
          const tenant = uniqueTenant();
          const old = await createAndClaim(adapter, tenant);
          const kept = kind.sample("kept", 0);
          await storeOf(adapter, kind.port).upsert(old.lease, [kept]);
          await adapter.queue.release(old.lease);
          const current = await adapter.queue.claim("w2", 30_000);
          const err = await rejectsWith(
            () =>
              storeOf(adapter, kind.port).upsert(old.lease, [kind.changed(kept), kind.sample("zombie", 1)]),
            "LeaseLostError",
          );
          expect(err.currentEpoch).toBe(current!.lease.epoch);
          expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual([kept]);
          expect(await storeOf(adapter, kind.port).count(tenant, { jobId: old.job.id })).toBe(1);
          const done = await createAndClaim(adapter, tenant);
          await adapter.queue.complete(done.lease, { status: "succeeded" });
          await rejectsWith(
            () => storeOf(adapter, kind.port).upsert(done.lease, [kind.sample("late", 2)]),
            "LeaseLostError",
          );
          expect(await storeOf(adapter, kind.port).get(tenant, ["late"])).toStrictEqual([]);
        });
      } else {
        it("under a superseded lease, an upsert is rejected when the store says fenced, else written (content-hash ids make it harmless)", async () => {
          const adapter = await openAdapter(options);
          const tenant = uniqueTenant();
          const old = await createAndClaim(adapter, tenant);
          await adapter.queue.release(old.lease);
          await adapter.queue.claim("w2", 30_000);
          const record = kind.sample("late", 0);
          if (storeOf(adapter, kind.port).fenced) {
            await rejectsWith(
              () => storeOf(adapter, kind.port).upsert(old.lease, [record]),
              "LeaseLostError",
            );
            expect(await storeOf(adapter, kind.port).get(tenant, ["late"])).toStrictEqual([]);
          } else {
            await storeOf(adapter, kind.port).upsert(old.lease, [record]);
            expect(await storeOf(adapter, kind.port).get(tenant, ["late"])).toStrictEqual([record]);
          }
        });
        it.skip(`${fencedCase} [needs capability fencedSinks: this adapter's sinks cannot check the epoch atomically, so it relies on content-hash ids]`, () => {});
      }

      it("purgeJob removes the job's memberships and the records no other job references; purgeTenant removes all", async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const other = uniqueTenant("other");
        const a = await createAndClaim(adapter, tenant);
        const b = await createAndClaim(adapter, tenant);
        const o = await createAndClaim(adapter, other);
        const all = ids(4).map((id, i) => kind.sample(id, i));
        await storeOf(adapter, kind.port).upsert(a.lease, all.slice(0, 3));
        await storeOf(adapter, kind.port).upsert(b.lease, all.slice(2, 4));
        await storeOf(adapter, kind.port).upsert(o.lease, all);
        await storeOf(adapter, kind.port).purgeJob(tenant, a.job.id);
        await storeOf(adapter, kind.port).purgeJob(tenant, a.job.id);
        expect(await storeOf(adapter, kind.port).list(tenant)).toStrictEqual(all.slice(2, 4));
        expect(await storeOf(adapter, kind.port).list(tenant, { jobId: a.job.id })).toStrictEqual([]);
        expect(await storeOf(adapter, kind.port).list(tenant, { jobId: b.job.id })).toStrictEqual(
          all.slice(2, 4),
        );
        await storeOf(adapter, kind.port).purgeTenant(tenant);
        await storeOf(adapter, kind.port).purgeTenant(tenant);
        expect(await storeOf(adapter, kind.port).count(tenant)).toBe(0);
        expect(await storeOf(adapter, kind.port).list(tenant, { jobId: b.job.id })).toStrictEqual([]);
        expect(await storeOf(adapter, kind.port).list(other)).toStrictEqual(all);
        expect(await storeOf(adapter, kind.port).count(other, { jobId: o.job.id })).toBe(4);
      });
    });
  }
}
