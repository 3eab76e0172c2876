import { expect, it } from "vitest";
import { type AdapterConformanceOptions, openAdapter, spec, uniqueTenant } from "../conformance-context.js";

/** The Queue case that `claim` and `extend` reject a non-positive leaseMs. */
export function describeQueueValidation(options: AdapterConformanceOptions): void {
  it("claim and extend reject a non-positive leaseMs", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    await adapter.jobs.create(spec(tenant));
    await expect(adapter.queue.claim("w", 0)).rejects.toThrow();
    await expect(adapter.queue.claim("w", -5)).rejects.toThrow();
    const claim = await adapter.queue.claim("w", 30_000);
    expect(claim?.lease.epoch).toBe(1);
    await expect(adapter.queue.extend(claim!.lease, 0)).rejects.toThrow();
  });
}
