import type { Checkpoint, CheckpointStore, Lease } from "@threadmill/core";
import { checkFence, type RedisContext } from "./redis-context.js";

/** The `CheckpointStore` port: a fenced script writes the checkpoint and the job's stage, counts and attempts. */
export function createRedisCheckpointStore(ctx: RedisContext): CheckpointStore {
  return {
    async load(tenant: string, jobId: string): Promise<Checkpoint | null> {
      const [owner, text] = await ctx.call("load checkpoint", async () => {
        const pipeline = ctx.client.multi();
        pipeline.hget(ctx.keys.job(jobId), "tenant");
        pipeline.get(ctx.keys.checkpoint(jobId));
        const replies = (await pipeline.exec()) ?? [];
        for (const [error] of replies) if (error) throw error;
        return replies.map(([, value]) => value as string | null);
      });
      if (owner !== tenant || text === null || text === undefined) return null;
      return JSON.parse(text) as Checkpoint;
    },
    async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
      checkFence(
        await ctx.coordination("saveCheckpoint", "save checkpoint", [
          lease.jobId,
          lease.tenant,
          lease.epoch,
          JSON.stringify(checkpoint),
          checkpoint.stage,
          JSON.stringify(checkpoint.counts ?? {}),
        ]),
        lease.jobId,
        lease.epoch,
      );
    },
  };
}
