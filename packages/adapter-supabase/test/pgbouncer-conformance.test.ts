import type { Adapter } from "@threadmill/core";
import { runAdapterConformance } from "@threadmill/testkit/vitest";
import postgres from "postgres";
import { afterAll, describe, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { findPgbouncer, startPgbouncer } from "./support/pgbouncer.js";
import { countTenantRows } from "./support/count-tenant-rows.js";
import { IN_CI, probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();
const missing = findPgbouncer() ? null : "pgbouncer is not installed (apt-get install -y pgbouncer)";
if (missing && IN_CI) throw new Error(`${missing}; CI=true, so this fails instead of skipping`);

if (unreachable || missing) {
  describe.skip(`adapter conformance: postgres through pgbouncer (${unreachable ?? missing})`, () => {
    it("needs Postgres and pgbouncer", () => {});
  });
} else {
  const bouncer = await startPgbouncer();
  const direct = testClient();
  // Through the transaction pooler: never prepared, and a statement timeout so a hang fails instead.
  const pooled = postgres(bouncer.url, { prepare: false, max: 8, onnotice: () => {}, connect_timeout: 5 });
  afterAll(async () => {
    await pooled.end({ timeout: 5 });
    await bouncer.stop();
  });
  const schemas = new WeakMap<Adapter, string>();
  runAdapterConformance({
    name: "postgres through pgbouncer (transaction mode)",
    create: async ({ eventRetention }) => {
      const schema = uniqueSchema(direct, "pool");
      await migrate(pooled, { schema });
      const adapter = createPostgresAdapter({ sql: pooled, schema, eventRetention, eventPollMs: 20 });
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
      (text, params) => direct.unsafe(text, params as string[]) as never,
    ),
  });
}
