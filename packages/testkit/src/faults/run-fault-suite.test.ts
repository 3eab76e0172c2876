import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { runFaultSuite } from "./run-fault-suite.js";

runFaultSuite({ name: "memory", create: async () => createMemoryAdapter(), leaseMs: 250, numRuns: 8 });
