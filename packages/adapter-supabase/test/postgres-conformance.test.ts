import { runAdapterConformance } from "@threadmill/testkit";
import { describe, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

if (unreachable) {
  describe.skip(`adapter conformance: postgres (${unreachable})`, () => {
    it("needs Postgres", () => {});
  });
} else {
  const sql = testClient();
  runAdapterConformance({
    name: "postgres",
    create: async ({ eventRetention }) => {
      const schema = uniqueSchema(sql, "conf");
      await migrate(sql, { schema });
      return createPostgresAdapter({ sql, schema, eventRetention, eventPollMs: 20 });
    },
    capabilities: { blockingRead: false, fencedSinks: true },
  });
}
