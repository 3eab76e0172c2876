import { runAdapterConformance } from "@threadmill/testkit";
import { createMemoryAdapter } from "../src/index.js";

runAdapterConformance({
  name: "memory",
  create: async ({ eventRetention }) => createMemoryAdapter({ eventRetention }),
  capabilities: { blockingRead: true, fencedSinks: true },
});
