import { PGlite } from "@electric-sql/pglite";
import { runAdapterConformance } from "@threadmill/testkit";
import { afterAll } from "vitest";
import { createPgliteAdapter } from "../src/index.js";

// One PGlite instance for the file (a new one costs seconds); every adapter gets its own schema.
const db = new PGlite();
afterAll(async () => {
  await db.close();
});
let counter = 0;

runAdapterConformance({
  name: "pglite",
  create: async ({ eventRetention }) => {
    counter += 1;
    return createPgliteAdapter({ pglite: db, schema: `conf_${counter}`, eventRetention, eventPollMs: 20 });
  },
  capabilities: { blockingRead: false, fencedSinks: true },
});
