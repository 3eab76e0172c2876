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
