import postgres, { type Sql } from "postgres";
import { afterAll } from "vitest";

/** The shared test server (trust auth). */
export const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
export const IN_CI = process.env.CI === "true";

/** A reachable server, or the reason it is not (tests skip then; in CI they fail instead). */
export async function probePostgres(url = POSTGRES_URL): Promise<string | null> {
  const sql = postgres(url, { prepare: false, max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    const reason = `Postgres unreachable at 127.0.0.1:5432 (${(error as Error).message})`;
    if (IN_CI) throw new Error(`${reason}; CI=true, so this fails instead of skipping`);
    return reason;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

let counter = 0;
/** Schemas made by this file's tests and the clients to drop them with (see the hook below). */
const made: { sql: Sql; name: string }[] = [];
const clients: Sql[] = [];

// One hook per test file, registered when the file imports this module: vitest ignores hooks
// registered inside a running test, which is where most schemas are made (an adapter per test), so
// a hook per schema never ran and every run left its schemas behind in the shared database. With
// vitest's stacked after-hooks this one runs last: the file's own hooks (closing adapters, stopping
// PgBouncer) have run, and the clients are still open to drop the schemas.
afterAll(async () => {
  for (const { sql, name } of made.splice(0)) {
    await sql.unsafe(`drop schema if exists "${name}" cascade`);
  }
  await Promise.all(clients.splice(0).map((sql) => sql.end({ timeout: 5 })));
});

/** A schema name unique to this run, dropped (with everything in it) after the file's tests. */
export function uniqueSchema(sql: Sql, label = "t"): string {
  counter += 1;
  const name = `tm_${label}_${process.pid}_${Date.now().toString(36)}_${counter}`;
  made.push({ sql, name });
  return name;
}

/** A postgres.js client for the file, ended after its tests (after its schemas are dropped). */
export function testClient(url = POSTGRES_URL, options: postgres.Options<Record<string, never>> = {}): Sql {
  const sql = postgres(url, { prepare: false, max: 8, onnotice: () => {}, ...options });
  clients.push(sql);
  return sql;
}
