import type {
  Claim,
  ClaimNextOptions,
  ClaimOptions,
  CompleteAndClaimResult,
  CompleteOutcome,
  ExtendResult,
  Job,
  JobError,
  Lease,
  Queue,
  ReleaseOptions,
} from "@threadmill/core";
import { decodeJob } from "./job-codec.js";
import { checkFence, type RedisContext } from "./redis-context.js";

/** The Redis queue: the `Queue` port with its `completeAndClaim` fast path (one script, one round trip). */
export interface RedisQueue extends Queue {
  completeAndClaim(
    lease: Lease,
    outcome: CompleteOutcome,
    next: ClaimNextOptions,
  ): Promise<CompleteAndClaimResult>;
}

const positiveMs = (value: number, name: string) => {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `[threadmill] [redis] ${name} must be a positive number of milliseconds, got ${value}.`,
    );
  }
  return Math.ceil(value);
};

function toClaim(reply: unknown): Claim | null {
  const arr = reply as unknown[];
  if (arr[0] !== 0) return null;
  const job = decodeJob(arr[1] as unknown[]);
  return {
    job,
    lease: {
      tenant: job.tenant,
      jobId: job.id,
      epoch: job.epoch,
      workerId: job.workerId!,
      expiresAt: job.leaseExpiresAt!,
    },
  };
}

const errorJson = (error: JobError | null | undefined) => (error ? JSON.stringify(error) : "");

/** The `Queue` port on the adapter's Lua scripts; every method is one script, one round trip. */
export function createRedisQueue(ctx: RedisContext): RedisQueue {
  const finish = async (
    lease: Lease,
    status: "succeeded" | "cancelled" | "failed",
    result: string,
    error: JobError | null,
    next: ClaimNextOptions | null,
  ) => {
    const reply = checkFence(
      await ctx.coordination("finish", status === "failed" ? "dead-letter" : "complete", [
        lease.jobId,
        lease.tenant,
        lease.epoch,
        status,
        result,
        errorJson(error),
        error?.message ?? "",
        next?.workerId ?? "",
        next ? positiveMs(next.leaseMs, "leaseMs") : 0,
      ]),
      lease.jobId,
      lease.epoch,
    );
    return { job: decodeJob(reply[1] as unknown[]), next: reply[2] === undefined ? null : toClaim(reply[2]) };
  };
  const resultOf = (outcome: CompleteOutcome) =>
    outcome.status === "succeeded" && outcome.result !== undefined ? JSON.stringify(outcome.result) : "";

  return {
    async claim(workerId: string, leaseMs: number, options?: ClaimOptions): Promise<Claim | null> {
      if (typeof workerId !== "string" || workerId === "") {
        throw new TypeError("[threadmill] [redis] claim needs a non-empty workerId.");
      }
      if ((options?.tenant === undefined) !== (options?.jobId === undefined)) {
        throw new TypeError("[threadmill] [redis] claim of a named job needs both tenant and jobId.");
      }
      const reply = await ctx.coordination("claim", "claim", [
        workerId,
        positiveMs(leaseMs, "leaseMs"),
        options?.tenant ?? "",
        options?.jobId ?? "",
      ]);
      return toClaim(reply);
    },
    async extend(lease: Lease, leaseMs: number): Promise<ExtendResult> {
      const reply = checkFence(
        await ctx.coordination("extend", "extend", [
          lease.jobId,
          lease.tenant,
          lease.epoch,
          positiveMs(leaseMs, "leaseMs"),
        ]),
        lease.jobId,
        lease.epoch,
      );
      return { lease: { ...lease, expiresAt: Number(reply[1]) }, cancelRequested: reply[2] === "1" };
    },
    async release(lease: Lease, options?: ReleaseOptions): Promise<Job> {
      const runAt = options?.runAt;
      if (runAt !== undefined && !Number.isFinite(runAt)) {
        throw new RangeError(`[threadmill] [redis] release runAt must be epoch milliseconds, got ${runAt}.`);
      }
      const reply = checkFence(
        await ctx.coordination("release", "release", [
          lease.jobId,
          lease.tenant,
          lease.epoch,
          runAt === undefined ? "" : Math.floor(runAt),
          errorJson(options?.error),
        ]),
        lease.jobId,
        lease.epoch,
      );
      return decodeJob(reply[1] as unknown[]);
    },
    async complete(lease: Lease, outcome: CompleteOutcome): Promise<Job> {
      return (await finish(lease, outcome.status, resultOf(outcome), null, null)).job;
    },
    async deadLetter(lease: Lease, error: JobError): Promise<Job> {
      return (await finish(lease, "failed", "", error, null)).job;
    },
    async completeAndClaim(lease, outcome, next) {
      if (typeof next?.workerId !== "string" || next.workerId === "") {
        throw new TypeError("[threadmill] [redis] completeAndClaim needs a non-empty next.workerId.");
      }
      return await finish(lease, outcome.status, resultOf(outcome), null, next);
    },
  };
}
