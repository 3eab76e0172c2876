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

/** A schema name unique to this run, dropped (with everything in it) after the file's tests. */
export function uniqueSchema(sql: Sql, label = "t"): string {
  counter += 1;
  const name = `tm_${label}_${process.pid}_${Date.now().toString(36)}_${counter}`;
  afterAll(async () => {
    await sql.unsafe(`drop schema if exists "${name}" cascade`);
  });
  return name;
}

/** A postgres.js client for the file, ended after its tests. */
export function testClient(url = POSTGRES_URL, options: postgres.Options<Record<string, never>> = {}): Sql {
  const sql = postgres(url, { prepare: false, max: 8, onnotice: () => {}, ...options });
  afterAll(async () => {
    await sql.end({ timeout: 5 });
  });
  return sql;
}
