import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { SqlExecutor } from "./sql-executor.js";

/**
 * Wraps a PGlite instance. PGlite is one single-connection backend: calls are serialized here so a
 * statement never lands inside another caller's open transaction.
 */
export function createPgliteExecutor(db: PGlite): SqlExecutor {
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    adapter: "pglite",
    query: <T>(text: string, params: readonly unknown[] = []) =>
      exclusive(async () => (await db.query<T>(text, params as unknown[])).rows),
    exec: (text: string) =>
      exclusive(async () => {
        await db.exec(text);
      }),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
      exclusive(() => db.transaction((tx) => fn(transactionExecutor(tx)))),
  };
}

function transactionExecutor(tx: Transaction): SqlExecutor {
  const self: SqlExecutor = {
    adapter: "pglite",
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await tx.query<T>(text, params as unknown[])).rows,
    exec: async (text: string) => {
      await tx.exec(text);
    },
    transaction: (fn) => fn(self),
  };
  return self;
}
