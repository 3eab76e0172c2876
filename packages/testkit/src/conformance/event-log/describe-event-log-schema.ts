import { expect, it } from "vitest";
import type { NewProgressEvent } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * EventLog cases of the stored shape: an event is stored as the schema reads it, and one that does not
 * follow it is rejected.
 */
export function describeEventLogSchema(options: AdapterConformanceOptions): void {
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
}
