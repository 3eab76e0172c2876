import type { Lease, MembershipChange } from "@threadmill/core";
import { LIBRARY_SQL, type RecordTable, sinkGateSql } from "./record-tables.js";
import { assertId, assertLease, leaseLost } from "./sql-context.js";

/**
 * `RecordStore.updateMembership` on SQL: the held ids and the library's additions and removals in one
 * statement behind the lease's gate, so a reader sees all of the change or none of it. Only ids the
 * tenant has get (or lose) membership rows; an id both added and removed stays in the library.
 *
 * The records named are locked first, in id order (as the purges lock them): `FOR KEY SHARE` when
 * nothing leaves the library, so a purge step cannot delete a record this job comes to hold before
 * the hold commits (the lock a foreign key would take). When records leave the library, the
 * statement locks them `FOR UPDATE` in a transaction, and a second statement, in a snapshot taken
 * once the locks were held (every writer adding a reference holds a lock that conflicts), deletes
 * those no membership references any more: cleanup kept them only for the library.
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
  const list = (param: string) =>
    `select x collate "C" from jsonb_array_elements_text(${param}::text::jsonb) x`;
  const changeSql = `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
     gate as (${sinkGateSql(ctx)}),
     locked as (
       select r.id from ${s}.${table} r
       where exists (select 1 from gate) and r.tenant = $1::text
         and r.id = any(array(${list("$4")} union ${list("$5")} union ${list("$6")}))
       order by r.id for ${remove.length > 0 ? "update" : "key share"}
     ),
     held as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, $2::text, l.id from locked l where l.id in (${list("$4")})
       on conflict do nothing
     ),
     added as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, ${LIBRARY_SQL}, l.id from locked l where l.id in (${list("$5")})
       on conflict do nothing
     ),
     removed as (
       delete from ${s}.${members} m using locked l
       where m.tenant = $1::text and m.job_id = ${LIBRARY_SQL} and m.${idCol} = l.id collate "default"
         and l.id in (${list("$6")})
       returning m.${idCol} as id
     )
     select (select epoch from cur) as current_epoch, exists (select 1 from gate) as ok,
       (select coalesce(jsonb_agg(id), '[]'::jsonb)::text from removed) as removed`;
  const params = [
    lease.tenant,
    lease.jobId,
    lease.epoch,
    JSON.stringify(hold),
    JSON.stringify(add),
    JSON.stringify(remove),
  ];
  type Row = { current_epoch: number | null; ok: boolean; removed: string };
  const check = (row: Row | undefined) => {
    if (!row?.ok) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  };
  if (remove.length === 0) {
    check((await ctx.run<Row>(`${kind}.updateMembership`, changeSql, params))[0]);
    return;
  }
  await ctx.transaction(`${kind}.updateMembership`, async (run) => {
    const row = (await run<Row>(changeSql, params))[0];
    check(row);
    const left = JSON.parse(row!.removed) as string[];
    if (left.length === 0) return;
    await run(
      `delete from ${s}.${table} r
       where r.tenant = $1::text and r.id = any(array(${list("$2")}))
         and not exists (select 1 from ${s}.${members} o
                         where o.tenant = $1::text and o.${idCol} = r.id collate "default")`,
      [lease.tenant, JSON.stringify(left)],
    );
  });
}

/** The distinct ids of one list of the change (absent: none). */
function ids(kind: string, field: string, list: readonly string[] | undefined): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list))
    throw new TypeError(`[threadmill] ${kind}.updateMembership: ${field} must be an array`);
  for (const id of list) assertId(id, `${kind}.updateMembership ${field} id`);
  return [...new Set(list)];
}
