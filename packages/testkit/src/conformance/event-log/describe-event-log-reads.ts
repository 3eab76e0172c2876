import { expect, it } from "vitest";
import type { ProgressEvent } from "@threadmill/core";
import { progressEventSchema } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  uniqueTenant,
} from "../conformance-context.js";

/** Everything of an event but its id, for comparing what was appended with what is read. */
function withoutId(event: ProgressEvent): Omit<ProgressEvent, "id"> {
  const { id: _id, ...rest } = event;
  return rest;
}

/**
 * EventLog cases of reading what was appended: distinct ids, append order, every field, resumable ids,
 * paging and concurrent appends.
 */
export function describeEventLogReads(options: AdapterConformanceOptions): void {
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
      Array.from({ length: 40 }, (_, i) => adapter.events.append(claim.lease, progressEvent(claim.lease, i))),
    );
    expect(new Set(ids).size).toBe(40);
    const read = await adapter.events.read(tenant, claim.job.id, null, { limit: 100 });
    expect(read.map((e) => e.id).sort()).toStrictEqual([...ids].sort());
    expect(read.map((e) => e.done).sort((a, b) => a! - b!)).toStrictEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
  });
}
