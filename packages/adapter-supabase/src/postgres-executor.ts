import type { Sql, TransactionSql } from "postgres";
import type { SqlExecutor } from "./sql-executor.js";

type AnySql = Sql | TransactionSql;

/**
 * Wraps a postgres.js client (or transaction). Statements go through `unsafe` with
 * `prepare: false` unless `prepare` is set, so they are safe behind a transaction pooler whatever
 * the client's own setting.
 */
export function createPostgresExecutor(sql: AnySql, prepare = false): SqlExecutor {
  return {
    adapter: "postgres",
    async query<T>(text: string, params: readonly unknown[] = []) {
      // biome-ignore lint/suspicious/noExplicitAny: postgres.js types parameters narrowly; values are cast in SQL.
      const rows = await sql.unsafe(text, params as any[], { prepare });
      return rows as unknown as T[];
    },
    async exec(text: string) {
      await sql.unsafe(text, [], { prepare: false });
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      if (!("begin" in sql)) return fn(createPostgresExecutor(sql));
      return (await (sql as Sql).begin((tx) => fn(createPostgresExecutor(tx, prepare)))) as T;
    },
  };
}
