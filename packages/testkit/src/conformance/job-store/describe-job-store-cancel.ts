import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * JobStore cases of `requestCancel`: a queued job is cancelled at once, a running one is flagged, a
 * terminal one is left as it is.
 */
export function describeJobStoreCancel(options: AdapterConformanceOptions): void {
  it("requestCancel on a queued job cancels it at once, with its cancelled event, and it is never claimed", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job } = await adapter.jobs.create(spec(tenant));
    const cancelled = await adapter.jobs.requestCancel(tenant, job.id);
    expect(cancelled?.status).toBe("cancelled");
    expect(cancelled?.finishedAt).not.toBeNull();
    expect(await adapter.jobs.get(tenant, job.id)).toStrictEqual(cancelled);
    const events = await adapter.events.read(tenant, job.id, null);
    expect(events.map((e) => e.type)).toStrictEqual(["cancelled"]);
    expect(events[0]?.status).toBe("cancelled");
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });

  it("requestCancel on a running job sets cancelRequested, which extend and transition report; it stays running", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    expect((await adapter.queue.extend(claim.lease, 30_000)).cancelRequested).toBe(false);
    const flagged = await adapter.jobs.requestCancel(tenant, claim.job.id);
    expect(flagged?.status).toBe("running");
    expect(flagged?.cancelRequested).toBe(true);
    const again = await adapter.jobs.requestCancel(tenant, claim.job.id);
    expect(again?.cancelRequested).toBe(true);
    expect((await adapter.queue.extend(claim.lease, 30_000)).cancelRequested).toBe(true);
    expect((await adapter.jobs.transition(claim.lease, { stage: "import" })).cancelRequested).toBe(true);
    expect(await adapter.events.read(tenant, claim.job.id, null)).toStrictEqual([]);
    const done = await adapter.queue.complete(claim.lease, { status: "cancelled" });
    expect(done.status).toBe("cancelled");
  });

  it("requestCancel returns a terminal job unchanged, and null for an unknown job", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const done = await adapter.queue.complete(claim.lease, { status: "succeeded", result: 1 });
    expect(await adapter.jobs.requestCancel(tenant, claim.job.id)).toStrictEqual(done);
    expect(await adapter.jobs.get(tenant, claim.job.id)).toStrictEqual(done);
    expect(await adapter.jobs.requestCancel(tenant, "00000000-0000-7000-8000-000000000000")).toBeNull();
  });
}
