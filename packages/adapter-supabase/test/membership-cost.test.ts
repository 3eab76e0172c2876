import { PGlite } from "@electric-sql/pglite";
import type { Chunk, Lease } from "@threadmill/core";
import { afterAll, describe, expect, it } from "vitest";
import { createSqlAdapter, type SqlAdapter } from "../src/create-sql-adapter.js";
import { migrate } from "../src/index.js";
import { createPgliteExecutor } from "../src/pglite-executor.js";
import { createPostgresExecutor } from "../src/postgres-executor.js";
import type { SqlExecutor } from "../src/sql-executor.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

// Each unit of an import adds its chunks and conversations to the tenant's library, and the facts
// stage and a re-import read a job's records back a page at a time. Those statements used to read
// every membership of the scope each time (joins and sorts the planner sized from statistics that
// lag an import), so each unit or page cost more the larger the library grew: quadratic over an
// import. Counted here as rows the plans read, not as time.

const unreachable = await probePostgres();
const T = "t";
const LIBRARY = 2_000;
const chunk = (id: string) => ({ id, conversationId: "c", text: id }) as unknown as Chunk;
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

interface PlanNode {
  readonly "Relation Name"?: string;
  readonly "Actual Rows": number;
  readonly "Actual Loops": number;
  readonly "Rows Removed by Filter"?: number;
  readonly "Rows Removed by Index Recheck"?: number;
  readonly Plans?: readonly PlanNode[];
}

/** Rows the plan read from `tables` (returned or filtered out), summed over every node and loop. */
function rowsRead(node: PlanNode, tables: readonly string[]): number {
  const own = tables.includes(node["Relation Name"] ?? "")
    ? (node["Actual Rows"] +
        (node["Rows Removed by Filter"] ?? 0) +
        (node["Rows Removed by Index Recheck"] ?? 0)) *
      node["Actual Loops"]
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, tables), 0);
}

/**
 * An executor that, while `on.explain` is set, first runs each statement under `EXPLAIN ANALYZE` in a
 * savepoint it rolls back, and keeps the plan.
 */
function explaining(base: SqlExecutor, on: { explain: boolean }, plans: PlanNode[]): SqlExecutor {
  const explain = async (tx: SqlExecutor, text: string, params?: readonly unknown[]) => {
    await tx.exec("savepoint explained");
    const [row] = await tx.query<{ "QUERY PLAN": unknown }>(`explain (analyze, format json) ${text}`, params);
    await tx.exec("rollback to savepoint explained");
    const plan = row!["QUERY PLAN"];
    plans.push((typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan);
  };
  const wrap = (db: SqlExecutor, inTransaction: boolean): SqlExecutor => ({
    adapter: db.adapter,
    exec: (text) => db.exec(text),
    query: async (text, params) => {
      if (on.explain) {
        if (inTransaction) await explain(db, text, params);
        else await db.transaction((tx) => explain(tx, text, params));
      }
      return db.query(text, params);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx, true))),
  });
  return wrap(base, false);
}

/** The plans of the statements `call` runs. */
async function explained(
  on: { explain: boolean },
  plans: PlanNode[],
  call: () => Promise<unknown>,
): Promise<PlanNode[]> {
  plans.length = 0;
  on.explain = true;
  try {
    await call();
  } finally {
    on.explain = false;
  }
  return [...plans];
}

async function running(adapter: SqlAdapter): Promise<Lease> {
  const { job } = await adapter.jobs.create({
    tenant: T,
    pipeline: "import",
    input: { kind: "file", path: "x" },
  });
  return (await adapter.queue.claim("w", 30_000, { tenant: T, jobId: job.id }))!.lease;
}

type Open = () => Promise<{ adapter: SqlAdapter; on: { explain: boolean }; plans: PlanNode[] }>;

function costCases(open: Open): void {
  it(`a library change reads rows for the ids it names, not the whole library (${LIBRARY} chunks in it)`, async () => {
    const { adapter, on, plans } = await open();
    const first = await running(adapter);
    await adapter.chunks.upsert(first, ids("old", LIBRARY).map(chunk));
    await adapter.chunks.updateMembership(first, { addToLibrary: ids("old", LIBRARY) });
    const second = await running(adapter);
    await adapter.chunks.upsert(second, ids("new", 20).map(chunk));
    /** Rows of the chunk tables each statement of `change` read. */
    const rowsOf = async (change: Parameters<SqlAdapter["chunks"]["updateMembership"]>[1]) =>
      (await explained(on, plans, () => adapter.chunks.updateMembership(second, change))).map((plan) =>
        rowsRead(plan, ["chunks", "chunk_jobs"]),
      );

    // A unit of a first import: its new chunks join the library.
    const added = await rowsOf({ addToLibrary: ids("new", 20) });
    // A unit of a re-import: one conversation's chunks replace the old ones (those no job holds any
    // more would be deleted: the second statement looks), others are held.
    const replaced = await rowsOf({
      hold: ids("old", 10).map((id) => id.replace("old", "old1")),
      addToLibrary: ids("new", 5),
      removeFromLibrary: ["new19", ...ids("old", 10)],
    });
    // Nothing at all: only the lease is checked.
    const nothing = await rowsOf({});

    // Each named id: its record, and its memberships (at most 2 jobs and the library here).
    expect(added).toHaveLength(1);
    expect(added[0]).toBeLessThanOrEqual(20 * 4);
    expect(replaced).toHaveLength(2);
    expect(replaced[0]).toBeLessThanOrEqual(26 * 4);
    expect(replaced[1]).toBeLessThanOrEqual(11 * 4);
    expect(nothing).toEqual([0]);
    expect((await adapter.chunks.list(T, { library: true, limit: 5_000 })).length).toBe(LIBRARY + 19 - 10);
    expect(await adapter.chunks.count(T, { jobId: second.jobId })).toBe(30);
  });

  it(`a page of a job's or the library's records reads that page's records, not the scope's (${LIBRARY} chunks)`, async () => {
    const { adapter, on, plans } = await open();
    const job = await running(adapter);
    await adapter.chunks.upsert(job, ids("c", LIBRARY).map(chunk));
    await adapter.chunks.updateMembership(job, { addToLibrary: ids("c", LIBRARY) });
    for (const scope of [{ jobId: job.jobId }, { library: true }]) {
      for (const after of [undefined, "c1"]) {
        let page: unknown[] = [];
        const read = await explained(on, plans, async () => {
          page = await adapter.chunks.list(T, { ...scope, limit: 50, ...(after ? { after } : {}) });
        });
        expect(page).toHaveLength(50);
        expect(read.map((plan) => rowsRead(plan, ["chunks"]))).toEqual([50]);
      }
    }
  });
}

describe("membership changes on PGlite", () => {
  const dbs: PGlite[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
  });
  costCases(async () => {
    const db = new PGlite();
    dbs.push(db);
    const base = createPgliteExecutor(db);
    await migrate(base);
    const on = { explain: false };
    const plans: PlanNode[] = [];
    const executor = explaining(base, on, plans);
    const { adapter } = createSqlAdapter("pglite", executor, '"threadmill"', {}, async () => {});
    return { adapter, on, plans };
  });
});

describe.skipIf(unreachable !== null)(
  `membership changes on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();
    costCases(async () => {
      const schema = uniqueSchema(sql, "cost");
      await migrate(sql, { schema });
      const on = { explain: false };
      const plans: PlanNode[] = [];
      const executor = explaining(createPostgresExecutor(sql), on, plans);
      const { adapter } = createSqlAdapter("postgres", executor, `"${schema}"`, {}, async () => {});
      return { adapter, on, plans };
    });
  },
);
