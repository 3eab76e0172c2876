import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  rejectsWith,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * EventLog cases of who may read and append: unknown jobs and other tenants read empty, appends are fenced
 * by the lease.
 */
export function describeEventLogFencing(options: AdapterConformanceOptions): void {
  it("an unknown job, or another tenant's, reads as empty", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    expect(await adapter.events.read(tenant, "00000000-0000-7000-8000-000000000000", null)).toStrictEqual([]);
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
    await rejectsWith(() => adapter.events.append({ tenant: other, jobId: job.id }, event), "LeaseLostError");
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
    await rejectsWith(() => adapter.events.append(old.lease, progressEvent(old.lease, 2)), "LeaseLostError");
    const read = await adapter.events.read(tenant, old.job.id, null);
    expect(read.map((e) => e.id)).toStrictEqual([kept]);
    await adapter.events.append(current!.lease, progressEvent(current!.lease, 3));
    expect(await adapter.events.read(tenant, old.job.id, null)).toHaveLength(2);
  });
}
