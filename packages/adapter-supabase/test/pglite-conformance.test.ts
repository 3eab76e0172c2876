import type { Adapter } from "@threadmill/core";
import { PGlite } from "@electric-sql/pglite";
import { runAdapterConformance } from "@threadmill/testkit/vitest";
import { afterAll } from "vitest";
import { createPgliteAdapter } from "../src/index.js";
import { countTenantRows } from "./support/count-tenant-rows.js";

// One PGlite instance for the file (a new one costs seconds); every adapter gets its own schema.
const db = new PGlite();
afterAll(async () => {
  await db.close();
});
let counter = 0;

const schemas = new WeakMap<Adapter, string>();
runAdapterConformance({
  name: "pglite",
  create: async ({ eventRetention }) => {
    counter += 1;
    const adapter = await createPgliteAdapter({
      pglite: db,
      schema: `conf_${counter}`,
      eventRetention,
      eventPollMs: 20,
    });
    schemas.set(adapter, `conf_${counter}`);
    return adapter;
  },
  capabilities: { blockingRead: false, fencedSinks: true },
  requireFacts: true,
  requireLibrary: true,
  requireAdmin: true,
  requireCompleteAndClaim: true,
  countTenantEntries: countTenantRows(
    schemas,
    async (text, params) => (await db.query<{ n: number }>(text, params)).rows,
  ),
});
