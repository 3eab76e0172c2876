import { runAdapterConformance } from "@threadmill/testkit/vitest";
import { createMemoryAdapter } from "../src/index.js";
import { countMemoryEntries } from "../src/memory-inspect.js";

runAdapterConformance({
  name: "memory",
  create: async ({ eventRetention }) => createMemoryAdapter({ eventRetention }),
  capabilities: { blockingRead: true, fencedSinks: true },
  requireFacts: true,
  requireLibrary: true,
  requireAdmin: true,
  requireCompleteAndClaim: true,
  countTenantEntries: async (adapter, tenant) => countMemoryEntries(adapter, tenant),
});
