import { LIBRARY_SQL, RECORD_TABLES, type RecordKind } from "./record-tables.js";
import type { SqlContext, SqlRun } from "./sql-context.js";

/** Every kind of record, in the order a purge step locks them (the same in every step: no deadlock). */
export const ALL_KINDS: readonly RecordKind[] = ["conversations", "chunks", "facts", "library"];

const ALIAS: Record<RecordKind, string> = { conversations: "cv", chunks: "ch", facts: "f", library: "lv" };

/** Where a purge step's deletions start: a prefix of CTEs (parameters from $4) and the CTE that gates them. */
export interface TakePrefix {
  /** CTEs before the memberships' deletion, ending without a comma. */
  readonly ctes: string;
  /** The CTE that must have a row for anything to be deleted. */
  readonly gate: string;
  /** Extra columns of the statement's one row. */
  readonly columns: string;
}

/** What `takeBatch` deleted and locked. */
export interface TakenBatch<P> {
  /** The prefix's columns. */
  readonly prefix: P;
  /** Whether every kind had fewer memberships left than a batch: this step was the last. */
  readonly last: boolean;
  /** The memberships deleted. */
  readonly memberships: number;
  /** Per kind alias, the ids of the records those memberships referenced, locked `for update`. */
  readonly ids: Record<string, string[]>;
}

/**
 * One step's first statement ($1 tenant, $2 job id, $3 batch; a prefix's own from $4): deletes up to
 * a batch of the job's memberships of each kind and locks the records they referenced `FOR UPDATE`,
 * in id order and kind by kind (every purge step and writer locks records in id order, so none waits
 * in a cycle). Any writer that adds a reference to a record (an upsert, a hold, the library's
 * `addToLibrary`) locks its row too, so once these locks are held every such writer has committed or
 * will find the row gone; `dropUnreferenced`, the next statement, decides in a fresh snapshot.
 */
function takeSql(s: string, kinds: readonly RecordKind[], prefix: TakePrefix | null): string {
  const gate = prefix ? ` and exists (select 1 from ${prefix.gate})` : "";
  const ctes = kinds.map((kind) => {
    const { table, members, idCol } = RECORD_TABLES[kind];
    const a = ALIAS[kind];
    // By ctid: a TID scan whatever the statistics say (a join on the ids could scan the job's
    // memberships once per id while a fresh table has none).
    return `${a}m as (
      delete from ${s}.${members} m
      where m.ctid = any(array(select ctid from ${s}.${members}
                               where tenant = $1::text and job_id = $2::text${gate} limit $3::int))
      returning m.${idCol} as id
    ),
    ${a}k as (
      select r.id from ${s}.${table} r
      where r.tenant = $1::text and r.id = any(array(select id collate "C" from ${a}m))
      order by r.id for update
    )`;
  });
  const columns = kinds.map(
    (kind) => `(select count(*) from ${ALIAS[kind]}m)::int as ${ALIAS[kind]}_n,
      (select coalesce(jsonb_agg(id), '[]'::jsonb)::text from ${ALIAS[kind]}k) as ${ALIAS[kind]}_ids`,
  );
  return `with ${[...(prefix ? [prefix.ctes] : []), ...ctes].join(",\n    ")}
    select ${[...(prefix ? [prefix.columns] : []), ...columns].join(",\n      ")}`;
}

/**
 * Runs a step's first statement (see `takeSql`) in the caller's transaction. `null` when the prefix
 * gated it off (no row in its gate: nothing was deleted).
 */
export async function takeBatch<P extends Record<string, unknown>>(
  ctx: SqlContext,
  run: SqlRun,
  kinds: readonly RecordKind[],
  tenant: string,
  jobId: string,
  prefix: (TakePrefix & { readonly params: readonly unknown[]; readonly gated: (row: P) => boolean }) | null,
): Promise<TakenBatch<P> | null> {
  const rows = await run<Record<string, unknown>>(takeSql(ctx.s, kinds, prefix), [
    tenant,
    jobId,
    ctx.purge.batch,
    ...(prefix?.params ?? []),
  ]);
  const row = rows[0] ?? {};
  if (prefix && !prefix.gated(row as P)) return null;
  let memberships = 0;
  let last = true;
  const ids: Record<string, string[]> = {};
  for (const kind of kinds) {
    const a = ALIAS[kind];
    const n = Number(row[`${a}_n`] ?? 0);
    memberships += n;
    if (n >= ctx.purge.batch) last = false;
    ids[a] = JSON.parse(String(row[`${a}_ids`] ?? "[]")) as string[];
  }
  return { prefix: row as P, last, memberships, ids };
}

/**
 * A step's second statement, in the same transaction after `takeBatch` (so in a snapshot taken once
 * its locks were held): deletes the locked records no membership references any more, and their
 * library memberships. With `keepLibrary` (retention) the library's membership is a reference and
 * the record stays; without it (a purge) it is none. `finish` also deletes the job's row in
 * `job_purges` (the step was the last). Returns whether that row was deleted.
 */
export async function dropUnreferenced(
  ctx: SqlContext,
  run: SqlRun,
  kinds: readonly RecordKind[],
  tenant: string,
  taken: TakenBatch<unknown>,
  keepLibrary: boolean,
  finish: { readonly jobId: string; readonly last: boolean } | null,
): Promise<boolean> {
  const withIds = kinds.filter((kind) => (taken.ids[ALIAS[kind]]?.length ?? 0) > 0);
  if (withIds.length === 0 && !finish?.last) return false;
  const { s } = ctx;
  // Only the parameters used: PGlite refuses one the statement does not reference.
  const params: unknown[] = [tenant];
  const param = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const ids = withIds.length > 0 ? param(JSON.stringify(taken.ids), "text") : "";
  const keep = withIds.length > 0 ? param(keepLibrary, "boolean") : "";
  const ctes = withIds.map((kind) => {
    const { table, members, idCol } = RECORD_TABLES[kind];
    const a = ALIAS[kind];
    return `${a} as (
      delete from ${s}.${table} r
      where r.tenant = $1::text
        and r.id = any(array(select x collate "C" from jsonb_array_elements_text(${ids}::jsonb -> '${a}') x))
        and not exists (select 1 from ${s}.${members} o
                        where o.tenant = $1::text and o.${idCol} = r.id collate "default"
                          and (${keep} or o.job_id <> ${LIBRARY_SQL}))
      returning r.id
    ),
    ${a}l as (
      delete from ${s}.${members} l using ${a}
      where l.tenant = $1::text and l.job_id = ${LIBRARY_SQL} and l.${idCol} = ${a}.id collate "default"
    )`;
  });
  if (finish?.last) {
    ctes.push(`fin as (
      delete from ${s}.job_purges where tenant = $1::text and job_id = ${param(finish.jobId, "text")}
      returning 1
    )`);
  }
  const rows = await run<{ finished: number }>(
    `with ${ctes.join(",\n    ")}
     select ${finish?.last ? "(select count(*) from fin)::int" : "0"} as finished`,
    params,
  );
  return Number(rows[0]?.finished ?? 0) > 0;
}

/**
 * The job's row in `job_purges`, locked for this step (`wait`: behind another step on it; otherwise
 * skipped while one runs), as a purge step's prefix: its steps run one at a time, so a step that found
 * fewer memberships than a batch left none behind.
 */
export function markedJobPrefix(
  s: string,
  wait: boolean,
): TakePrefix & { params: []; gated: (row: { keep_library: boolean | null }) => boolean } {
  return {
    ctes: `mark as (
      select keep_library from ${s}.job_purges where tenant = $1::text and job_id = $2::text
      for update${wait ? "" : " skip locked"}
    )`,
    gate: "mark",
    columns: "(select keep_library from mark) as keep_library",
    params: [],
    gated: (row) => row.keep_library !== null && row.keep_library !== undefined,
  };
}

/**
 * Finishes the purge of a job marked in `job_purges` (its job row already deleted): steps of one
 * transaction each until one finds fewer memberships than a batch in every kind and deletes the mark.
 * Whether this call deleted the mark (another may have finished it, or, without `wait`, be on it).
 */
export async function finishMarkedPurge(
  ctx: SqlContext,
  operation: string,
  tenant: string,
  jobId: string,
  wait: boolean,
  stats: { memberships: number } = { memberships: 0 },
): Promise<boolean> {
  const prefix = markedJobPrefix(ctx.s, wait);
  for (;;) {
    const step = await ctx.transaction(operation, async (run) => {
      const taken = await takeBatch(ctx, run, ALL_KINDS, tenant, jobId, prefix);
      if (taken === null) return "gone" as const;
      stats.memberships += taken.memberships;
      const keep = taken.prefix.keep_library === true;
      const finished = await dropUnreferenced(ctx, run, ALL_KINDS, tenant, taken, keep, {
        jobId,
        last: taken.last,
      });
      return finished ? ("finished" as const) : ("more" as const);
    });
    if (step !== "more") return step === "finished";
    await ctx.purge.afterBatch?.();
  }
}

/**
 * `RecordStore.purgeJob` of one kind: steps of one transaction each, until one deletes fewer
 * memberships than a batch. No mark: the store's jobs may live elsewhere, and calling it again
 * finishes what a crash left.
 */
export async function purgeKindOfJob(
  ctx: SqlContext,
  kind: RecordKind,
  tenant: string,
  jobId: string,
  keepLibrary: boolean,
): Promise<void> {
  for (;;) {
    const last = await ctx.transaction(`${kind}.purgeJob`, async (run) => {
      const taken = (await takeBatch(ctx, run, [kind], tenant, jobId, null))!;
      await dropUnreferenced(ctx, run, [kind], tenant, taken, keepLibrary, null);
      return taken.last;
    });
    if (last) return;
    await ctx.purge.afterBatch?.();
  }
}
