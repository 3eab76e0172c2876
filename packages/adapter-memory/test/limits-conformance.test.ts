import { runRateLimitStoreConformance, runSpendLedgerConformance } from "@threadmill/testkit/vitest";
import { createMemoryAdapter } from "../src/index.js";

// One adapter for the file: every `open` must reach the same storage, and memory's lives in it.
const adapter = createMemoryAdapter();
const open = async () => ({ rateLimits: adapter.rateLimits!, spend: adapter.spend!, close: async () => {} });

runRateLimitStoreConformance({ name: "memory", open, durable: false });
runSpendLedgerConformance({ name: "memory", open, durable: false });
