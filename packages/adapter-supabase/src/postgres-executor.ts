import type { Sql, TransactionSql } from "postgres";
import { inlineParams } from "./inline-params.js";
import type { SqlExecutor } from "./sql-executor.js";

type AnySql = Sql | TransactionSql;

/**
 * Wraps a postgres.js client (or transaction). Statements go through `unsafe` with
 * `prepare: false` unless `prepare` is set, so they are safe behind a transaction pooler whatever
 * the client's own setting. Unprepared, small scalar parameters are written into the statement as
 * literals (`inlineParams`): one round trip per statement instead of postgres.js's two.
 */
export function createPostgresExecutor(sql: AnySql, prepare = false): SqlExecutor {
  return {
    adapter: "postgres",
    async query<T>(text: string, params: readonly unknown[] = []) {
      const inlined = prepare ? null : inlineParams(text, params);
      if (inlined !== null) return (await sql.unsafe(inlined, [], { prepare: false })) as unknown as T[];
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
