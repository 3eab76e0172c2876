import { assertCheckpoint, type Checkpoint, type CheckpointStore, type Lease } from "@threadmill/core";
import { assertLease, leaseLost, type SqlContext } from "./sql-context.js";

/** The CheckpointStore port on SQL: `save` updates the job and the checkpoint in one fenced statement. */
export function createSqlCheckpointStore(ctx: SqlContext): CheckpointStore {
  const { s } = ctx;
  return {
    async load(tenant: string, jobId: string): Promise<Checkpoint | null> {
      const rows = await ctx.run<{ stage: string; cursors: string; completed: string; counts: string }>(
        "checkpoints.load",
        `select stage, cursors::text as cursors, completed::text as completed, counts::text as counts
         from ${s}.checkpoints where tenant = $1::text and job_id = $2::text`,
        [tenant, jobId],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        stage: row.stage,
        cursors: JSON.parse(row.cursors),
        completed: JSON.parse(row.completed),
        counts: JSON.parse(row.counts),
      };
    },

    async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
      assertLease(lease);
      assertCheckpoint(checkpoint, ctx.db.adapter);
      const rows = await ctx.run<{ current_epoch: number | null; n: number }>(
        "checkpoints.save",
        `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
         u as (
           update ${s}.jobs set stage = $4::text, counts = $7::text::jsonb, attempts = 0, updated_at = now()
           where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running'
           returning id, tenant
         ),
         c as (
           insert into ${s}.checkpoints (job_id, tenant, stage, cursors, completed, counts, epoch, updated_at)
           select u.id, u.tenant, $4::text, $5::text::jsonb, $6::text::jsonb, $7::text::jsonb, $3::int, now() from u
           on conflict (job_id) do update set stage = excluded.stage, cursors = excluded.cursors,
             completed = excluded.completed, counts = excluded.counts, epoch = excluded.epoch,
             updated_at = excluded.updated_at
         )
         select (select epoch from cur) as current_epoch, (select count(*) from u)::int as n`,
        [
          lease.tenant,
          lease.jobId,
          lease.epoch,
          checkpoint.stage,
          JSON.stringify(checkpoint.cursors),
          JSON.stringify(checkpoint.completed),
          JSON.stringify(checkpoint.counts),
        ],
      );
      if (Number(rows[0]?.n ?? 0) !== 1) throw leaseLost(lease.jobId, lease.epoch, rows[0]?.current_epoch);
    },
  };
}
