import type { Adapter } from "@threadmill/core";
import { runAdapterConformance } from "@threadmill/testkit/vitest";
import { describe, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { countTenantRows } from "./support/count-tenant-rows.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

if (unreachable) {
  describe.skip(`adapter conformance: postgres (${unreachable})`, () => {
    it("needs Postgres", () => {});
  });
} else {
  const sql = testClient();
  const schemas = new WeakMap<Adapter, string>();
  runAdapterConformance({
    name: "postgres",
    create: async ({ eventRetention }) => {
      const schema = uniqueSchema(sql, "conf");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema, eventRetention, eventPollMs: 20 });
      schemas.set(adapter, schema);
      return adapter;
    },
    capabilities: { blockingRead: false, fencedSinks: true },
    requireFacts: true,
    requireLibrary: true,
    requireAdmin: true,
    requireCompleteAndClaim: true,
    countTenantEntries: countTenantRows(
      schemas,
      (text, params) => sql.unsafe(text, params as string[]) as never,
    ),
  });
}
