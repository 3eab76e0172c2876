import { LIBRARY_MEMBERSHIP } from "@threadmill/core";
import type { SqlContext } from "./sql-context.js";

/** Each kind of record: its table, the table of its memberships, and that table's record id column. */
export const RECORD_TABLES = {
  conversations: { table: "conversations", members: "conversation_jobs", idCol: "conversation_id" },
  chunks: { table: "chunks", members: "chunk_jobs", idCol: "chunk_id" },
  facts: { table: "facts", members: "fact_jobs", idCol: "fact_id" },
  library: { table: "library_versions", members: "library_version_jobs", idCol: "version_id" },
} as const;

export type RecordKind = keyof typeof RECORD_TABLES;

/** The table names of one kind of record. */
export type RecordTableNames = (typeof RECORD_TABLES)[RecordKind];

/** One kind of record: the context, the records' table, and the table of their job membership. */
export type RecordTable = { readonly ctx: SqlContext; readonly kind: RecordKind } & RecordTableNames;

/** The library's membership id as an SQL literal (a constant of core's, quoted all the same). */
export const LIBRARY_SQL = `'${LIBRARY_MEMBERSHIP.replace(/'/g, "''")}'::text`;

/**
 * SQL of a sink write's gate ($1 tenant, $2 job id, $3 epoch): one row when the lease's job is
 * running at that epoch, locked `for share` so a purge of the job waits for the write; always one
 * row when the sinks are not fenced.
 */
export function sinkGateSql(ctx: SqlContext): string {
  return ctx.fencedSinks
    ? `select 1 as ok from ${ctx.s}.jobs where id = $2::text and tenant = $1::text and epoch = $3::int
         and status = 'running' for share`
    : "select 1 as ok";
}

/** How `purgeJobRecordsCtes` decides. */
export interface PurgeRecordsOptions {
  /** Retention's rule: a record in the tenant's library stays even when no job references it. */
  readonly keepLibrary?: boolean;
  /** A CTE name: the memberships go only when it has a row (the job was really deleted). */
  readonly onlyIf?: string;
}

/**
 * CTEs ($1 tenant, $2 job id) that delete the job's memberships of one kind (`<alias>m`), the
 * records no other job references (`<alias>`, returning their ids) and those records' library
 * memberships (`<alias>l`). Library membership is no reference for a purge: a record only the
 * library holds besides this job goes, and leaves the library with it; with `keepLibrary` it is one,
 * and the record stays. The CTEs share one snapshot, so the check for other references still sees
 * this job's rows and skips them by job id.
 */
export function purgeJobRecordsCtes(
  s: string,
  { table, members, idCol }: RecordTableNames,
  alias: string,
  options: PurgeRecordsOptions = {},
): string {
  const gate = options.onlyIf ? ` and exists (select 1 from ${options.onlyIf})` : "";
  const library = options.keepLibrary ? "" : ` and o.job_id <> ${LIBRARY_SQL}`;
  return `${alias}m as (
      delete from ${s}.${members} where tenant = $1::text and job_id = $2::text${gate} returning ${idCol}
    ),
    ${alias} as (
      delete from ${s}.${table} r using ${alias}m
      where r.tenant = $1::text and r.id = ${alias}m.${idCol} collate "C"
        and not exists (select 1 from ${s}.${members} o
                        where o.tenant = $1::text and o.${idCol} = r.id collate "default"
                          and o.job_id <> $2::text${library})
      returning r.id
    ),
    ${alias}l as (
      delete from ${s}.${members} l using ${alias}
      where l.tenant = $1::text and l.job_id = ${LIBRARY_SQL} and l.${idCol} = ${alias}.id collate "default"
      returning 1
    )`;
}
