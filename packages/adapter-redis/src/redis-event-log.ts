import type {
  EventLog,
  EventReadOptions,
  JobProgress,
  JobRef,
  Lease,
  NewProgressEvent,
  ProgressEvent,
} from "@threadmill/core";
import { progressEventSchema } from "@threadmill/core";
import { checkFence, type RedisContext, wrapRedisError } from "./redis-context.js";

const newEventSchema = progressEventSchema.omit({ id: true });
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const isLease = (target: Lease | JobRef): target is Lease =>
  "epoch" in target && typeof target.epoch === "number";

/**
 * The `EventLog` port: one Redis Stream per job beside the job's coordination keys (so fenced appends
 * are one script), trimmed to `eventRetention` entries, long-polled with `XREAD BLOCK` on a connection
 * of its own.
 */
export function createRedisEventLog(ctx: RedisContext): EventLog {
  const readOnce = async (
    tenant: string,
    jobId: string,
    afterId: string | null,
    limit: number,
  ): Promise<ProgressEvent[] | null> => {
    const valid = afterId === null || STREAM_ID.test(afterId);
    const reply = (await ctx.coordination("readEvents", "read events", [
      jobId,
      tenant,
      afterId === null ? "" : valid ? afterId : "0-0",
      limit,
      valid ? "" : "invalid",
    ])) as unknown[];
    if (reply[0] === 3) return null;
    const out: ProgressEvent[] = [];
    const reset = reply[2] as unknown[] | null | undefined;
    if (reset) {
      const [id, status, stage, progressJson, attempts, epoch, at] = reset as (string | null)[];
      const progress = progressJson ? (JSON.parse(progressJson) as JobProgress) : null;
      out.push({
        id: String(id),
        type: "reset",
        status: status as ProgressEvent["status"],
        ...(stage ? { stage } : {}),
        ...(progress
          ? { done: progress.done, total: progress.total, ...(progress.unit ? { unit: progress.unit } : {}) }
          : {}),
        attempt: Number(attempts),
        epoch: Number(epoch),
        at: Number(at),
      });
    }
    for (const entry of (reply[1] as [string, string[]][]) ?? []) {
      if (out.length >= limit) break;
      const [id, fields] = entry;
      const data = fields[fields.indexOf("d") + 1];
      if (data === undefined) continue;
      out.push({ ...(JSON.parse(data) as NewProgressEvent), id });
    }
    return out;
  };

  return {
    async append(target: Lease | JobRef, event: NewProgressEvent): Promise<string> {
      const parsed = newEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new TypeError(`[threadmill] [redis] invalid progress event: ${parsed.error.message}`);
      }
      const body = parsed.data;
      const fenced = isLease(target);
      const reply = (await ctx.coordination("appendEvent", "append event", [
        target.jobId,
        target.tenant,
        fenced ? target.epoch : "",
        JSON.stringify(body),
      ])) as unknown[];
      return String(checkFence(reply, target.jobId, fenced ? target.epoch : 0)[1]);
    },

    async read(
      tenant: string,
      jobId: string,
      afterId: string | null,
      options?: EventReadOptions,
    ): Promise<ProgressEvent[]> {
      const limit = options?.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError(`[threadmill] [redis] read limit must be an integer >= 1, got ${limit}.`);
      }
      const waitMs = Math.max(0, Math.floor(options?.waitMs ?? 0));
      const signal = options?.signal;
      const first = await readOnce(tenant, jobId, afterId, limit);
      // An unknown job (or another tenant's) reads as empty at once: there is nothing to wait for.
      if (first === null || first.length > 0 || waitMs === 0 || signal?.aborted) return first ?? [];
      const connection = ctx.acquireBlocking();
      let healthy = true;
      const onAbort = () => {
        healthy = false;
        connection.disconnect();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await connection.xread(
          "COUNT",
          1,
          "BLOCK",
          waitMs,
          "STREAMS",
          ctx.keys.events(jobId),
          afterId !== null && STREAM_ID.test(afterId) ? afterId : "0-0",
        );
      } catch (error) {
        healthy = false;
        if (signal?.aborted) return [];
        throw wrapRedisError("read events", error);
      } finally {
        signal?.removeEventListener("abort", onAbort);
        ctx.releaseBlocking(connection, healthy);
      }
      if (signal?.aborted) return [];
      return (await readOnce(tenant, jobId, afterId, limit)) ?? [];
    },
  };
}
