import { expect, it } from "vitest";
import { type AdapterConformanceOptions, openAdapter, spec, uniqueTenant } from "../conformance-context.js";

/** The JobStore case that `create` rejects an incomplete spec and stores nothing. */
export function describeJobStoreValidation(options: AdapterConformanceOptions): void {
  it("create rejects a spec without a tenant, pipeline or input and stores nothing", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    await expect(adapter.jobs.create({ ...spec(tenant), tenant: "" })).rejects.toThrow();
    await expect(adapter.jobs.create({ ...spec(tenant), pipeline: "" })).rejects.toThrow();
    await expect(adapter.jobs.create({ ...spec(tenant), input: undefined as never })).rejects.toThrow();
    expect(await adapter.jobs.list(tenant)).toStrictEqual([]);
    expect(await adapter.queue.claim("w", 30_000)).toBeNull();
  });
}
