import { describe, expect, it } from "vitest";
import type { NewProgressEvent, ProgressEvent } from "@threadmill/core";
import { progressEventSchema } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  rejectsWith,
  sleep,
  spec,
  uniqueTenant,
} from "./conformance-context.js";

/** Everything of an event but its id, for comparing what was appended with what is read. */
function withoutId(event: ProgressEvent): Omit<ProgressEvent, "id"> {
  const { id: _id, ...rest } = event;
  return rest;
}

/**
 * Registers the EventLog contract as vitest cases: fenced appends, order and exactly-once reads,
 * long-polling, retention with `reset`, and reads of unknown jobs.
 */
export function runEventLogConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: EventLog`, () => {
    it("append returns distinct ids; read returns every event once, in append order, every field as written", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const written = [
        progressEvent(claim.lease, 0, { type: "started", status: "running" }),
        progressEvent(claim.lease, 0, { type: "stage", stage: "import", message: "ünï 🧵 'q' \"d\"" }),
        progressEvent(claim.lease, 5, { total: null, unit: "bytes" }),
        progressEvent(claim.lease, 7, { type: "retrying", message: "rate limited", attempt: 2 }),
        { type: "yielded" as const, attempt: 1, epoch: claim.lease.epoch, at: 1_700_000_000_123 },
      ];
      const ids: string[] = [];
      for (const e of written) ids.push(await adapter.events.append(claim.lease, e));
      expect(new Set(ids).size).toBe(written.length);
      for (const id of ids) expect(typeof id).toBe("string");
      const read = await adapter.events.read(tenant, claim.job.id, null);
      expect(read.map((e) => e.id)).toStrictEqual(ids);
      expect(read.map(withoutId)).toStrictEqual(written);
      for (const e of read) expect(progressEventSchema.parse(e)).toStrictEqual(e);
    });

    it("ids are monotonic: reading after any id returns exactly the events appended after it (seed 003 fix #1: resumable streams)", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const ids: string[] = [];
      for (let i = 0; i < 8; i++)
        ids.push(await adapter.events.append(claim.lease, progressEvent(claim.lease, i)));
      for (let i = 0; i < ids.length; i++) {
        const after = await adapter.events.read(tenant, claim.job.id, ids[i]!);
        expect(after.map((e) => e.id)).toStrictEqual(ids.slice(i + 1));
      }
      expect(await adapter.events.read(tenant, claim.job.id, ids.at(-1)!)).toStrictEqual([]);
    });

    it("paging with limit returns each event exactly once, then nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      for (let i = 0; i < 7; i++) await adapter.events.append(claim.lease, progressEvent(claim.lease, i));
      const seen: number[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const events: ProgressEvent[] = await adapter.events.read(tenant, claim.job.id, after, { limit: 3 });
        expect(events.length).toBeLessThanOrEqual(3);
        if (events.length === 0) break;
        seen.push(...events.map((e) => e.done!));
        after = events.at(-1)!.id;
      }
      expect(seen).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
    });

    it("the default limit is 100", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          adapter.events.append(claim.lease, progressEvent(claim.lease, i)),
        ),
      );
      expect(await adapter.events.read(tenant, claim.job.id, null)).toHaveLength(100);
    });

    it("40 concurrent appends get 40 distinct ids and are all read back once", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const ids = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          adapter.events.append(claim.lease, progressEvent(claim.lease, i)),
        ),
      );
      expect(new Set(ids).size).toBe(40);
      const read = await adapter.events.read(tenant, claim.job.id, null, { limit: 100 });
      expect(read.map((e) => e.id).sort()).toStrictEqual([...ids].sort());
      expect(read.map((e) => e.done).sort((a, b) => a! - b!)).toStrictEqual(
        Array.from({ length: 40 }, (_, i) => i),
      );
    });

    it("read long-polls: it waits for the first new event and returns as soon as one is appended", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const first = await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
      const started = Date.now();
      const pending = adapter.events.read(tenant, claim.job.id, first, { waitMs: 5_000 });
      await sleep(150);
      const id = await adapter.events.append(claim.lease, progressEvent(claim.lease, 2));
      const events = await pending;
      const elapsed = Date.now() - started;
      expect(events.map((e) => e.id)).toStrictEqual([id]);
      expect(elapsed).toBeGreaterThanOrEqual(100);
      expect(elapsed).toBeLessThan(3_000);
    });

    const wakeCase = "a long-poll wakes promptly (within 400 ms) when an event is appended";
    if (options.capabilities?.blockingRead === true) {
      it(wakeCase, async () => {
        const adapter = await openAdapter(options);
        const tenant = uniqueTenant();
        const claim = await createAndClaim(adapter, tenant);
        const latencies: number[] = [];
        let after: string | null = null;
        for (let i = 0; i < 3; i++) {
          const pending = adapter.events.read(tenant, claim.job.id, after, { waitMs: 5_000 });
          await sleep(50);
          const appendedAt = Date.now();
          after = await adapter.events.append(claim.lease, progressEvent(claim.lease, i));
          const events = await pending;
          latencies.push(Date.now() - appendedAt);
          expect(events.map((e) => e.id)).toStrictEqual([after]);
        }
        expect(Math.min(...latencies)).toBeLessThan(400);
      });
    } else {
      it.skip(`${wakeCase} [needs capability blockingRead: this adapter's read polls, so it wakes on its poll interval]`, () => {});
    }

    it("read with waitMs returns nothing after about waitMs when no event comes, and at once without waitMs", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const id = await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
      let started = Date.now();
      expect(await adapter.events.read(tenant, claim.job.id, id, { waitMs: 300 })).toStrictEqual([]);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2_500);
      started = Date.now();
      expect(await adapter.events.read(tenant, claim.job.id, id)).toStrictEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it("read with waitMs returns existing events at once", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
      const started = Date.now();
      expect(await adapter.events.read(tenant, claim.job.id, null, { waitMs: 5_000 })).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it("an aborted signal ends a long-poll early", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const controller = new AbortController();
      const started = Date.now();
      const pending = adapter.events
        .read(tenant, claim.job.id, null, { waitMs: 10_000, signal: controller.signal })
        .catch((error: unknown) => error);
      await sleep(100);
      controller.abort();
      const outcome = await pending;
      expect(Date.now() - started).toBeLessThan(3_000);
      if (Array.isArray(outcome)) expect(outcome).toStrictEqual([]);
      else expect((outcome as Error).name).toMatch(/AbortError|CancelledError/);
    });

    it("an unknown job, or another tenant's, reads as empty", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      expect(await adapter.events.read(tenant, "00000000-0000-7000-8000-000000000000", null)).toStrictEqual(
        [],
      );
      const claim = await createAndClaim(adapter, tenant);
      await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
      expect(await adapter.events.read(uniqueTenant("other"), claim.job.id, null)).toStrictEqual([]);
    });

    it("an unfenced append to a job (a queued event) is read back with its fields", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const { job } = await adapter.jobs.create(spec(tenant));
      const event = {
        type: "queued" as const,
        status: "queued" as const,
        attempt: 0,
        epoch: 0,
        at: Date.now(),
      };
      const id = await adapter.events.append({ tenant, jobId: job.id }, event);
      expect(await adapter.events.read(tenant, job.id, null)).toStrictEqual([{ id, ...event }]);
    });

    it("append to a job that does not exist (or is another tenant's) throws LeaseLostError and writes nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const { job } = await adapter.jobs.create(spec(tenant));
      const event = { type: "queued" as const, attempt: 0, epoch: 0, at: Date.now() };
      await rejectsWith(
        () => adapter.events.append({ tenant, jobId: "00000000-0000-7000-8000-000000000000" }, event),
        "LeaseLostError",
      );
      const other = uniqueTenant("other");
      await rejectsWith(
        () => adapter.events.append({ tenant: other, jobId: job.id }, event),
        "LeaseLostError",
      );
      expect(await adapter.events.read(tenant, job.id, null)).toStrictEqual([]);
      expect(await adapter.events.read(other, job.id, null)).toStrictEqual([]);
    });

    it("a fenced append under a superseded lease throws LeaseLostError and appends nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const old = await createAndClaim(adapter, tenant);
      const kept = await adapter.events.append(old.lease, progressEvent(old.lease, 1));
      await adapter.queue.release(old.lease);
      const current = await adapter.queue.claim("w2", 30_000);
      await rejectsWith(
        () => adapter.events.append(old.lease, progressEvent(old.lease, 2)),
        "LeaseLostError",
      );
      const read = await adapter.events.read(tenant, old.job.id, null);
      expect(read.map((e) => e.id)).toStrictEqual([kept]);
      await adapter.events.append(current!.lease, progressEvent(current!.lease, 3));
      expect(await adapter.events.read(tenant, old.job.id, null)).toHaveLength(2);
    });

    it("an event is stored as the schema reads it: unknown fields dropped, undefined fields absent", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const event = { ...progressEvent(claim.lease, 1), message: undefined, secret: "not a schema field" };
      const id = await adapter.events.append(claim.lease, event as NewProgressEvent);
      const { message: _m, secret: _s, ...expected } = event;
      expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([{ id, ...expected }]);
    });

    it("append rejects an event that does not follow the progress event schema and writes nothing", async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      await expect(
        adapter.events.append(claim.lease, { ...progressEvent(claim.lease, 1), type: "bogus" as never }),
      ).rejects.toThrow();
      expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
    });

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
  });
}
