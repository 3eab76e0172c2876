// A `processModule` for the limits fleet's own test: memory stores, so every child process has its
// own (the fleet test relies on that to tell the processes apart).
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import type { OpenedLimitsStores } from "../src/conformance/limits/limits-conformance-options.js";

export async function open(): Promise<OpenedLimitsStores> {
  const adapter = createMemoryAdapter();
  return { rateLimits: adapter.rateLimits!, spend: adapter.spend!, close: () => adapter.close() };
}
