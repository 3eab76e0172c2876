import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll } from "vitest";
import { createPgliteAdapter, createPostgresAdapter, migrate, type SqlAdapter } from "../../src/index.js";
import { findPgbouncer, startPgbouncer } from "./pgbouncer.js";
import { IN_CI, probePostgres, testClient, uniqueSchema } from "./test-postgres.js";

/** One store under test: an adapter on its own schema, and raw SQL on the same storage. */
export interface LimitsTarget {
  readonly name: "postgres" | "pgbouncer" | "pglite";
  readonly adapter: SqlAdapter;
  /** The quoted schema name. */
  readonly s: string;
  /** The PGlite instance of the pglite target. */
  readonly pglite?: PGlite;
  /** Runs one statement on the target's storage (through the pooler for pgbouncer). */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * Postgres (direct, 20 connections), Postgres through PgBouncer in transaction mode (20 client
 * connections) and in-memory PGlite, each with a fresh schema; cleaned up after the file. A missing
 * Postgres or PgBouncer leaves its targets out and says why (in CI it fails instead).
 */
export async function openLimitsTargets(label: string): Promise<{
  targets: LimitsTarget[];
  missing: string[];
}> {
  const targets: LimitsTarget[] = [];
  const missing: string[] = [];
  const unreachable = await probePostgres();
  const noBouncer = findPgbouncer() ? null : "pgbouncer is not installed (apt-get install -y pgbouncer)";
  if (noBouncer && IN_CI) throw new Error(`${noBouncer}; CI=true, so this fails instead of skipping`);
  if (unreachable) missing.push(unreachable);
  else {
    const sql = testClient(undefined, { max: 20 });
    const schema = uniqueSchema(sql, label);
    await migrate(sql, { schema });
    targets.push({
      name: "postgres",
      adapter: createPostgresAdapter({ sql, schema }),
      s: `"${schema}"`,
      query: async (text, params = []) => (await sql.unsafe(text, params as never[])) as never,
    });
    if (noBouncer) missing.push(noBouncer);
    else {
      const bouncer = await startPgbouncer();
      // Through the transaction pooler: never prepared, as the adapter requires.
      const pooled = postgres(bouncer.url, {
        prepare: false,
        max: 20,
        onnotice: () => {},
        connect_timeout: 5,
      });
      afterAll(async () => {
        await pooled.end({ timeout: 5 });
        await bouncer.stop();
      });
      const pooledSchema = uniqueSchema(sql, `${label}_pool`);
      await migrate(pooled, { schema: pooledSchema });
      targets.push({
        name: "pgbouncer",
        adapter: createPostgresAdapter({ sql: pooled, schema: pooledSchema }),
        s: `"${pooledSchema}"`,
        query: async (text, params = []) => (await pooled.unsafe(text, params as never[])) as never,
      });
    }
  }
  const db = new PGlite();
  afterAll(async () => {
    await db.close();
  });
  targets.push({
    name: "pglite",
    pglite: db,
    adapter: await createPgliteAdapter({ pglite: db, schema: label }),
    s: `"${label}"`,
    query: async (text, params = []) => (await db.query(text, params as unknown[])).rows as never,
  });
  return { targets, missing };
}
