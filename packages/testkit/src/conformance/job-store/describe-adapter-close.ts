import { it } from "vitest";
import { type AdapterConformanceOptions, openAdapter } from "../conformance-context.js";

/** The case that `close` may be called more than once. */
export function describeAdapterClose(options: AdapterConformanceOptions): void {
  it("close can be called more than once", async () => {
    const adapter = await openAdapter(options);
    await adapter.close();
    await adapter.close();
  });
}
