import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  sleep,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * Queue cases of `complete` and `deadLetter`: the terminal status, result or error, and its event, made
 * visible in one atomic step.
 */
export function describeQueueTerminalWrites(options: AdapterConformanceOptions): void {
  it("complete with succeeded sets the status, result and finishedAt, clears the lease and appends the succeeded event", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    await adapter.jobs.transition(claim.lease, { stage: "import" });
    const result = { conversations: 3, chunks: 12, note: "ünï 🧵", nested: [null, { a: false }] };
    const done = await adapter.queue.complete(claim.lease, { status: "succeeded", result });
    expect(done).toMatchObject({
      status: "succeeded",
      result,
      workerId: null,
      leaseExpiresAt: null,
      error: null,
    });
    expect(done.finishedAt).not.toBeNull();
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
    const events = await adapter.events.read(tenant, claim.job.id, null);
    expect(events.map((e) => e.type)).toStrictEqual(["succeeded"]);
    expect(events[0]).toMatchObject({ status: "succeeded", epoch: claim.lease.epoch });
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });

  it("the terminal status and the terminal event become visible together (one atomic step; seed 000 #3: two stores that disagree)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    for (const outcome of ["succeeded", "cancelled", "failed"] as const) {
      const claim = await createAndClaim(adapter, tenant);
      const jobId = claim.job.id;
      // A reader that sees the event must see the status, and one that sees the status must see the event.
      const viaEvent = (async () => {
        const events = await adapter.events.read(tenant, jobId, null, { waitMs: 5_000 });
        return { events, job: await adapter.jobs.get(tenant, jobId) };
      })();
      const viaStatus = (async () => {
        for (let i = 0; i < 2_000; i++) {
          const job = await adapter.jobs.get(tenant, jobId);
          if (job?.status === outcome) return { job, events: await adapter.events.read(tenant, jobId, null) };
          await sleep(1);
        }
        throw new Error("conformance: the terminal status never became visible");
      })();
      await sleep(20);
      if (outcome === "failed") {
        await adapter.queue.deadLetter(claim.lease, {
          code: "X",
          name: "X",
          message: "x",
          retriable: false,
        });
      } else {
        await adapter.queue.complete(claim.lease, { status: outcome });
      }
      const seenEvent = await viaEvent;
      expect(seenEvent.events.map((e) => e.type)).toStrictEqual([outcome]);
      expect(seenEvent.job?.status).toBe(outcome);
      const seenStatus = await viaStatus;
      expect(seenStatus.events.map((e) => e.type)).toStrictEqual([outcome]);
    }
  });

  it("complete with succeeded and no result stores null", async () => {
    const adapter = await openAdapter(options);
    const claim = await createAndClaim(adapter, uniqueTenant());
    expect((await adapter.queue.complete(claim.lease, { status: "succeeded" })).result).toBeNull();
  });

  it("complete with cancelled sets the cancelled status and appends the cancelled event", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const done = await adapter.queue.complete(claim.lease, { status: "cancelled" });
    expect(done).toMatchObject({ status: "cancelled", workerId: null, leaseExpiresAt: null });
    expect(done.finishedAt).not.toBeNull();
    const events = await adapter.events.read(tenant, claim.job.id, null);
    expect(events.map((e) => [e.type, e.status])).toStrictEqual([["cancelled", "cancelled"]]);
  });

  it("deadLetter sets failed with the error and appends the failed event", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const error = {
      code: "EXPORT_FORMAT",
      name: "ExportFormatError",
      message: "not an export ü",
      retriable: false,
    };
    const done = await adapter.queue.deadLetter(claim.lease, error);
    expect(done).toMatchObject({ status: "failed", error, workerId: null, leaseExpiresAt: null });
    expect(done.finishedAt).not.toBeNull();
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
    const events = await adapter.events.read(tenant, claim.job.id, null);
    expect(events.map((e) => [e.type, e.status])).toStrictEqual([["failed", "failed"]]);
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });
}
