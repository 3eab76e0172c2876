import type { Lease, MembershipChange } from "@threadmill/core";
import { LIBRARY_SQL, type RecordTable, sinkGateSql } from "./record-tables.js";
import { assertId, assertLease, leaseLost } from "./sql-context.js";

/**
 * `RecordStore.updateMembership` on SQL: the held ids and the library's additions and removals in one
 * statement behind the lease's gate, so a reader sees all of the change or none of it. Only ids the
 * tenant has get membership rows; an id both added and removed stays in the library.
 */
export async function updateSqlMembership(
  { ctx, kind, table, members, idCol }: RecordTable,
  lease: Lease,
  change: MembershipChange,
): Promise<void> {
  assertLease(lease);
  if (typeof change !== "object" || change === null) {
    throw new TypeError(
      `[threadmill] ${kind}.updateMembership needs { hold?, addToLibrary?, removeFromLibrary? }`,
    );
  }
  const hold = ids(kind, "hold", change.hold);
  const add = ids(kind, "addToLibrary", change.addToLibrary);
  const added = new Set(add);
  // Add wins: removing first and adding back in one statement could not touch the same row twice.
  const remove = ids(kind, "removeFromLibrary", change.removeFromLibrary).filter((id) => !added.has(id));
  const { s } = ctx;
  // Ids in "C" collation against the records' primary key: an index lookup per id (see `get`).
  const existing = (param: string) => `select r.id from ${s}.${table} r
      where exists (select 1 from gate) and r.tenant = $1::text
        and r.id = any(array(select x collate "C" from jsonb_array_elements_text(${param}::text::jsonb) x))`;
  const rows = await ctx.run<{ current_epoch: number | null; ok: boolean }>(
    `${kind}.updateMembership`,
    `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
     gate as (${sinkGateSql(ctx)}),
     held as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, $2::text, e.id from (${existing("$4")}) e
       on conflict do nothing
     ),
     added as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, ${LIBRARY_SQL}, e.id from (${existing("$5")}) e
       on conflict do nothing
     ),
     removed as (
       delete from ${s}.${members} m
       where exists (select 1 from gate) and m.tenant = $1::text and m.job_id = ${LIBRARY_SQL}
         and m.${idCol} = any(array(select x from jsonb_array_elements_text($6::text::jsonb) x))
     )
     select (select epoch from cur) as current_epoch, exists (select 1 from gate) as ok`,
    [
      lease.tenant,
      lease.jobId,
      lease.epoch,
      JSON.stringify(hold),
      JSON.stringify(add),
      JSON.stringify(remove),
    ],
  );
  const row = rows[0];
  if (!row?.ok) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
}

/** The distinct ids of one list of the change (absent: none). */
function ids(kind: string, field: string, list: readonly string[] | undefined): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list))
    throw new TypeError(`[threadmill] ${kind}.updateMembership: ${field} must be an array`);
  for (const id of list) assertId(id, `${kind}.updateMembership ${field} id`);
  return [...new Set(list)];
}
