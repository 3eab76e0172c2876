/**
 * The few things the adapter needs from a Postgres client, so one implementation serves postgres.js
 * and PGlite. Every call is one statement (atomic on its own); `transaction` is for migrations and the few
 * operations that must lock rows and then read them in a fresh snapshot (purges, library swaps).
 */
export interface SqlExecutor {
  /** Which adapter's name goes into wrapped errors. */
  readonly adapter: "postgres" | "pglite";
  /** Runs one parameterised statement (never prepared) and returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs several statements without parameters (DDL). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}
