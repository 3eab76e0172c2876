import { StorageError } from "@threadmill/core";
import type { PGlite } from "@electric-sql/pglite";
import type { Sql } from "postgres";
import { MIGRATIONS } from "./migrations.js";
import { createPgliteExecutor } from "./pglite-executor.js";
import { createPostgresExecutor } from "./postgres-executor.js";
import { quoteSchema } from "./quote-schema.js";
import type { SqlExecutor } from "./sql-executor.js";

/** Options of `migrate`. */
export interface MigrateOptions {
  /** The schema that holds threadmill's tables; created when missing. @default "threadmill" */
  readonly schema?: string;
}

/** What `migrate` did. */
export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was already current). */
  readonly applied: number[];
  /** The schema's version after the call. */
  readonly version: number;
}

/**
 * Brings the schema to the latest version, in one transaction holding `pg_advisory_xact_lock`, so
 * any number of concurrent migrators (20 processes at once on a fresh database) apply each step
 * exactly once. Idempotent; creates the roles `anon`, `authenticated` and `service_role` when
 * missing and ships the row-level-security policies. Safe behind a transaction pooler.
 * @example
 * await migrate(postgres(url, { prepare: false }), { schema: "threadmill" });
 */
export async function migrate(
  client: Sql | PGlite | SqlExecutor,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const executor = toExecutor(client);
  const schemaName = options.schema ?? "threadmill";
  const schema = quoteSchema(schemaName);
  try {
    return await executor.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext($1::text))", [
        `threadmill:migrate:${schemaName}`,
      ]);
      await tx.exec(
        `create schema if not exists ${schema};
create table if not exists ${schema}.migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now()
);`,
      );
      const done = await tx.query<{ version: number }>(`select version from ${schema}.migrations`);
      const have = new Set(done.map((r) => Number(r.version)));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (have.has(m.version)) continue;
        await tx.exec(m.sql(schema));
        await tx.query(`insert into ${schema}.migrations (version, name) values ($1::int, $2::text)`, [
          m.version,
          m.name,
        ]);
        applied.push(m.version);
      }
      const version = Math.max(0, ...have, ...applied);
      return { applied, version };
    });
  } catch (error) {
    if (StorageError.isInstance(error)) throw error;
    throw new StorageError({ adapter: executor.adapter, operation: "migrate", cause: error });
  }
}

function toExecutor(client: Sql | PGlite | SqlExecutor): SqlExecutor {
  if (typeof client === "function") return createPostgresExecutor(client as Sql);
  if ("adapter" in client && "exec" in client && "transaction" in client && !("waitReady" in client)) {
    return client as SqlExecutor;
  }
  return createPgliteExecutor(client as PGlite);
}
