import {
  LIBRARY_MEMBERSHIP,
  type Lease,
  type ListRecordsOptions,
  type RecordScope,
  type RecordStore,
} from "@threadmill/core";
import { eachConcurrently } from "./each-concurrently.js";
import { decodeRecord, encodeRecord } from "./record-codec.js";
import { RECORD_TABLES, type RecordKind, type RecordTable, sinkGateSql } from "./record-tables.js";
import { assertId, assertLease, leaseLost, type SqlContext } from "./sql-context.js";
import { purgeKindOfJob } from "./sql-purge-records.js";
import { updateSqlMembership } from "./sql-update-membership.js";

type RecordRow = { body: string; date_paths: string | null };

/** Rows per statement: keeps each JSON parameter well under a few MB. */
const BATCH = 500;
/**
 * Statements of one upsert in flight at once on Postgres: the server parses and writes one batch
 * while the client sends the next, on another core. PGlite runs one statement at a time. Each takes
 * a connection of the pool for its statement only (no transaction spans two), so a small pool makes
 * other calls wait their turn, never deadlock.
 */
const POSTGRES_IN_FLIGHT = 2;

/**
 * A RecordStore on SQL: batched `ON CONFLICT` upserts of whole records (JSON, `Date`s kept) with
 * their job membership, fenced by the lease epoch in the same statement when `fenced`. The library
 * is a membership like a job's (`LIBRARY_MEMBERSHIP`).
 */
export function createSqlRecordStore<T extends { readonly id: string }>(
  ctx: SqlContext,
  kind: RecordKind,
): RecordStore<T> {
  const t: RecordTable = { ctx, kind, ...RECORD_TABLES[kind] };
  return {
    fenced: ctx.fencedSinks,
    upsert: (lease, records) => upsertRecords(t, lease, records),
    list: (tenant, options) => listRecords<T>(t, tenant, options),
    get: (tenant, ids) => getRecords<T>(t, tenant, ids),
    count: (tenant, options) => countRecords(t, tenant, options),
    updateMembership: (lease, change) => updateSqlMembership(t, lease, change),
    purgeJob: (tenant, jobId, options) =>
      purgeKindOfJob(ctx, kind, tenant, jobId, options?.keepLibrary === true),
    purgeTenant: (tenant) => purgeTenantRecords(t, tenant),
  };
}

function decode<T>(rows: RecordRow[]): T[] {
  return rows.map((r) =>
    decodeRecord<T>(JSON.parse(r.body), r.date_paths === null ? null : JSON.parse(r.date_paths)),
  );
}

async function upsertRecords<T extends { readonly id: string }>(
  t: RecordTable,
  lease: Lease,
  records: readonly T[],
): Promise<void> {
  assertLease(lease);
  if (!Array.isArray(records)) throw new TypeError(`[threadmill] ${t.kind}.upsert needs an array`);
  for (const record of records) assertId(record?.id, `${t.kind} record id`);
  // One statement cannot touch a row twice: the last copy of an id wins, as sequential writes would.
  const unique = [...new Map(records.map((r) => [r.id, r])).values()];
  if (unique.length === 0) {
    await upsertBatch(t, lease, []);
    return;
  }
  const batches: T[][] = [];
  for (let i = 0; i < unique.length; i += BATCH) batches.push(unique.slice(i, i + BATCH));
  const inFlight = t.ctx.db.adapter === "postgres" ? POSTGRES_IN_FLIGHT : 1;
  await eachConcurrently(batches, inFlight, (batch) => upsertBatch(t, lease, batch));
}

/**
 * Upserts one batch and its membership in one statement, behind the lease's gate when fenced. The
 * rows are written (and locked) in id order, as every purge step locks them: no deadlock.
 */
async function upsertBatch<T extends { readonly id: string }>(
  { ctx, kind, table, members, idCol }: RecordTable,
  lease: Lease,
  records: readonly T[],
): Promise<void> {
  const { s } = ctx;
  const payload = JSON.stringify(
    records.map((record) => {
      const { cursor: _cursor, ...rest } = record as T & { cursor?: unknown };
      const encoded = encodeRecord(kind === "conversations" ? rest : record);
      return { id: record.id, body: encoded.body, date_paths: encoded.datePaths };
    }),
  );
  const rows = await ctx.run<{ current_epoch: number | null; ok: boolean }>(
    `${kind}.upsert`,
    `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
     gate as (${sinkGateSql(ctx)}),
     input as (select * from jsonb_to_recordset($4::text::jsonb) as r(id text, body jsonb, date_paths jsonb)),
     up as (
       insert into ${s}.${table} (tenant, id, body, date_paths, written_at)
       select $1::text, input.id, input.body, input.date_paths, now() from input where exists (select 1 from gate)
       order by input.id collate "C"
       on conflict (tenant, id) do update set body = excluded.body, date_paths = excluded.date_paths,
         written_at = excluded.written_at
     ),
     mem as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, $2::text, input.id from input where exists (select 1 from gate)
       on conflict do nothing
     )
     select (select epoch from cur) as current_epoch, exists (select 1 from gate) as ok`,
    [lease.tenant, lease.jobId, lease.epoch, payload],
  );
  const row = rows[0];
  if (!row?.ok) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
}

/** The membership a scope reads (a job's or the library's), or undefined for all the tenant's records. */
function membershipOf(options: RecordScope): string | undefined {
  return options.jobId ?? (options.library === true ? LIBRARY_MEMBERSHIP : undefined);
}

async function listRecords<T>(
  { ctx, kind, table, members, idCol }: RecordTable,
  tenant: string,
  options: ListRecordsOptions = {},
): Promise<T[]> {
  const { s } = ctx;
  const limit = options.limit ?? 1000;
  if (limit <= 0) return [];
  const member = membershipOf(options);
  const rows = await ctx.run<RecordRow>(
    `${kind}.list`,
    member === undefined
      ? `select body::text as body, date_paths::text as date_paths from ${s}.${table}
         where tenant = $1::text and ($2::text is null or id > $2::text) order by id limit $3::int`
      : // The page's ids first, then one lookup each (`limit 1` keeps it a nested loop): a join
        // sorted every record left in the scope, bodies and all, for each page.
        `select r.body::text as body, r.date_paths::text as date_paths
         from (select m.${idCol} collate "C" as id from ${s}.${members} m
               where m.tenant = $1::text and m.job_id = $4::text
                 and ($2::text is null or m.${idCol} collate "C" > $2::text)
               order by 1 limit $3::int) p
         cross join lateral (
           select r.body, r.date_paths from ${s}.${table} r where r.tenant = $1::text and r.id = p.id limit 1
         ) r
         order by p.id`,
    member === undefined
      ? [tenant, options.after ?? null, limit]
      : [tenant, options.after ?? null, limit, member],
  );
  return decode<T>(rows);
}

async function getRecords<T extends { readonly id: string }>(
  { ctx, kind, table }: RecordTable,
  tenant: string,
  ids: readonly string[],
): Promise<T[]> {
  if (ids.length === 0) return [];
  const wanted = [...new Set(ids)];
  // `= any(array)` of "C" texts: an index lookup per id (a join on the id list let the planner
  // scan every record of the tenant instead); the order of `ids` is restored here.
  const rows = await ctx.run<RecordRow>(
    `${kind}.get`,
    `select r.body::text as body, r.date_paths::text as date_paths from ${ctx.s}.${table} r
     where r.tenant = $1::text
       and r.id = any(array(select x collate "C" from jsonb_array_elements_text($2::text::jsonb) x))`,
    [tenant, JSON.stringify(wanted)],
  );
  const position = new Map(wanted.map((id, i) => [id, i]));
  return decode<T>(rows).sort((a, b) => position.get(a.id)! - position.get(b.id)!);
}

async function countRecords(
  { ctx, kind, table, members }: RecordTable,
  tenant: string,
  options: RecordScope = {},
): Promise<number> {
  const member = membershipOf(options);
  const rows = await ctx.run<{ n: number }>(
    `${kind}.count`,
    member === undefined
      ? `select count(*)::int as n from ${ctx.s}.${table} where tenant = $1::text`
      : `select count(*)::int as n from ${ctx.s}.${members} where tenant = $1::text and job_id = $2::text`,
    member === undefined ? [tenant] : [tenant, member],
  );
  return Number(rows[0]?.n ?? 0);
}

async function purgeTenantRecords({ ctx, kind, table, members }: RecordTable, tenant: string): Promise<void> {
  await ctx.run(
    `${kind}.purgeTenant`,
    `with m as (delete from ${ctx.s}.${members} where tenant = $1::text)
     delete from ${ctx.s}.${table} where tenant = $1::text`,
    [tenant],
  );
}
