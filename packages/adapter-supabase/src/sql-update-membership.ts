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
  t: RecordTable,
  lease: Lease,
  change: MembershipChange,
): Promise<void> {
  const { ctx, kind, table, members, idCol } = t;
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
  const { sql, params } = changeStatement(t, lease, { hold, add, remove });
  type Row = { current_epoch: number | null; ok: boolean; removed: string };
  const check = (row: Row | undefined) => {
    if (!row?.ok) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  };
  if (remove.length === 0) {
    check((await ctx.run<Row>(`${kind}.updateMembership`, sql, params))[0]);
    return;
  }
  await ctx.transaction(`${kind}.updateMembership`, async (run) => {
    const row = (await run<Row>(sql, params))[0];
    check(row);
    const left = JSON.parse(row!.removed) as string[];
    if (left.length === 0) return;
    // By row address, as the change finds memberships (this transaction's locks keep the records in
    // place), and a lookup per record for a reference left: an anti-join read every membership.
    await run(
      `delete from ${ctx.s}.${table} r
       where r.ctid = any(array(
         select (select x.ctid from ${ctx.s}.${table} x where x.tenant = $1::text and x.id = v.x)
         from (select x collate "C" from jsonb_array_elements_text($2::text::jsonb) x) v))
         and (select 1 from ${ctx.s}.${members} o
              where o.tenant = $1::text and o.${idCol} = r.id collate "default" limit 1) is null`,
      [lease.tenant, JSON.stringify(left)],
    );
  });
}

/**
 * The change as one statement ($1 tenant, $2 job, $3 epoch, then one parameter per list that is not
 * empty; an empty list leaves its step out). Every step looks up each named id on its own: a join or
 * an `= any(...)` scan read the tenant's whole library whenever the planner's statistics lagged an
 * import that grows it by thousands of rows a minute, so each unit cost more than the last.
 */
function changeStatement(
  { ctx, table, members, idCol }: RecordTable,
  lease: Lease,
  lists: { readonly hold: string[]; readonly add: string[]; readonly remove: string[] },
): { sql: string; params: unknown[] } {
  const { s } = ctx;
  const params: unknown[] = [lease.tenant, lease.jobId, lease.epoch];
  const listOf = (ids: readonly string[]) => {
    if (ids.length === 0) return null;
    params.push(JSON.stringify(ids));
    return `select x collate "C" from jsonb_array_elements_text($${params.length}::text::jsonb) x`;
  };
  const held = listOf(lists.hold);
  const added = listOf(lists.add);
  const removed = listOf(lists.remove);
  const named = [held, added, removed].filter((l) => l !== null);
  const steps: string[] = [];
  if (named.length > 0) {
    // In id order; the lock in a lateral subquery keeps the join a nested loop of index lookups.
    steps.push(`locked as (
       select r.id from (${named.join(" union ")} order by 1) v
       cross join lateral (
         select r.id from ${s}.${table} r where r.tenant = $1::text and r.id = v.x
         for ${removed ? "update" : "key share"}
       ) r
       where exists (select 1 from gate)
     )`);
  }
  const insert = (name: string, list: string | null, job: string) => {
    if (!list) return;
    steps.push(`${name} as (
       insert into ${s}.${members} (tenant, job_id, ${idCol})
       select $1::text, ${job}, l.id from locked l where l.id in (${list})
       on conflict do nothing
     )`);
  };
  insert("held", held, "$2::text");
  insert("added", added, LIBRARY_SQL);
  if (removed) {
    // By row address: membership rows are never updated, and the records' locks keep writers off them.
    steps.push(`removed as (
       delete from ${s}.${members} m
       where m.ctid = any(array(
         select (select o.ctid from ${s}.${members} o
                 where o.tenant = $1::text and o.${idCol} = l.id collate "default" and o.job_id = ${LIBRARY_SQL})
         from locked l where l.id in (${removed})))
       returning m.${idCol} as id
     )`);
  }
  const removedIds = removed
    ? "(select coalesce(jsonb_agg(id), '[]'::jsonb)::text from removed)"
    : "'[]'::text";
  const sql = `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
     gate as (${sinkGateSql(ctx)})${steps.map((step) => `,\n     ${step}`).join("")}
     select (select epoch from cur) as current_epoch, exists (select 1 from gate) as ok, ${removedIds} as removed`;
  return { sql, params };
}

/** The distinct ids of one list of the change (absent: none). */
function ids(kind: string, field: string, list: readonly string[] | undefined): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list))
    throw new TypeError(`[threadmill] ${kind}.updateMembership: ${field} must be an array`);
  for (const id of list) assertId(id, `${kind}.updateMembership ${field} id`);
  return [...new Set(list)];
}
