import {
  assertFindJobsOptions,
  DEFAULT_QUEUED_GRACE_MS,
  type FindJobsOptions,
  type Job,
} from "@threadmill/core";
import { decodeJob } from "./job-codec.js";
import type { RedisContext } from "./redis-context.js";

// Ids one script reads at most: a sparse filter over a long history goes on in further short scripts
// instead of blocking Redis for one long one.
const FIND_BUDGET = 1000;

/**
 * `JobAdmin.find`: one tenant's job index when a tenant is named, else the index of live jobs (for
 * stuck, queued or running ones) or of every job, walked newest first on the store clock. A job enters
 * both when created; one left by an unpublished build older than them is found only with a `tenant`.
 */
export async function findRedisJobs(ctx: RedisContext, options: FindJobsOptions = {}): Promise<Job[]> {
  assertFindJobsOptions(options, "redis");
  const statuses = options.status === undefined ? [] : ([] as string[]).concat(options.status);
  if (options.status !== undefined && statuses.length === 0) return [];
  const limit = Math.floor(options.limit ?? 100);
  const found: Job[] = [];
  let before = options.before ?? "";
  while (found.length < limit) {
    const [cursor, flats] = (await ctx.coordination("findJobs", "find jobs", [
      options.tenant === undefined ? "0" : "1",
      options.tenant ?? "",
      before,
      limit - found.length,
      FIND_BUDGET,
      options.stuck ? "1" : "0",
      options.queuedGraceMs ?? DEFAULT_QUEUED_GRACE_MS,
      ...statuses,
    ])) as [string, unknown[][]];
    for (const flat of flats) found.push(decodeJob(flat));
    if (cursor === "") break;
    before = cursor;
  }
  return found;
}
