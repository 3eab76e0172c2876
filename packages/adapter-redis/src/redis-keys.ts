import { LIBRARY_MEMBERSHIP } from "@threadmill/core";

const encoder = new TextEncoder();

/** Which sink a record key belongs to (`library`: the tenant's library versions). */
export type RecordKind = "conversations" | "chunks" | "facts" | "library";

/** The keys of one record kind of one tenant; all share the tenant's record hash tag (one slot). */
export interface RecordKeys {
  /** HASH id -> encoded record. */
  readonly data: string;
  /** ZSET (lexicographic) of every record id of the tenant. */
  readonly ids: string;
  /** HASH id -> number of jobs whose membership holds the record. */
  readonly refs: string;
  /** SET of job ids that have a membership set. */
  readonly jobs: string;
  /** ZSET (lexicographic) of the record ids a job produced or holds. */
  membership(jobId: string): string;
  /**
   * ZSET (lexicographic) of the record ids in the tenant's library: the membership of the reserved id
   * `LIBRARY_MEMBERSHIP`, never in `jobs` and never counted in `refs` (it is no reference).
   */
  readonly library: string;
}

/** The keys of one tenant's spend ledger; all share the tag `{prefix:sp:<tenant>}` (one slot). */
export interface SpendKeys {
  /** HASH '<unit>:<caps key>' -> cap. */
  readonly caps: string;
  /** HASH '<s|r>:<unit>:<bucket>' -> integer total. */
  readonly totals: string;
  /** HASH reservation id -> its encoded amount, period, expiry and job. */
  readonly reservations: string;
  /** ZSET reservation id -> expiresAt. */
  readonly expiries: string;
}

/** Key builders; must agree with the Lua include's (`lua/includes/coordination.lua`). */
export interface RedisKeys {
  /** `{prefix}:`, the queue's base; every coordination key starts with it (one hash tag, one slot). */
  readonly base: string;
  /** ZSET of due jobs (lexicographic members); KEYS[1] of every coordination script. */
  readonly ready: string;
  /** ZSET (lexicographic) of every job id, for `JobAdmin.find` across tenants. */
  readonly allJobs: string;
  /** ZSET (lexicographic) of the ids of queued and running jobs: where stuck jobs are looked for. */
  readonly liveJobs: string;
  /** ZSET `<jobId>|<tenant>` -> finishedAt: what cleanup removes, even after the job's hash expired. */
  readonly finishedJobs: string;
  /** ZSET `<jobId>|<tenant>`: jobs cleanup removed whose records it has not purged yet. */
  readonly cleaning: string;
  job(jobId: string): string;
  checkpoint(jobId: string): string;
  events(jobId: string): string;
  tenantJobs(tenant: string): string;
  records(tenant: string, kind: RecordKind): RecordKeys;
  /**
   * `{prefix:rl:<limiter>}:`, the start of every key of one rate limiter (`t:<charge key>` a TAT,
   * `h:<charge key>` a hold set), so one limiter's check runs in one slot.
   */
  rateLimiter(limiter: string): string;
  /** The keys of one tenant's spend ledger (core's Lua: `spend/lua/includes/ledger.lua`). */
  spendLedger(tenant: string): SpendKeys;
}

// Tenants (and limiter names) are length-prefixed (in UTF-8 bytes, as Lua's string.len counts) so no
// two tenants' keys meet. A `}` inside one ends the hash tag early, but at the same place in every key
// of that tenant, so they still share a slot.
const tenantPart = (tenant: string) => `${encoder.encode(tenant).length}:${tenant}`;

/**
 * The adapter's key layout for `prefix`: coordination keys under the hash tag `{prefix}`, records
 * under a per-tenant tag `{prefix:r:<tenant>}` so bulk data spreads over a Redis Cluster, and the
 * same for each rate limiter (`{prefix:rl:<limiter>}`) and each tenant's spend (`{prefix:sp:<tenant>}`).
 */
export function createRedisKeys(prefix: string): RedisKeys {
  const base = `{${prefix}}:`;
  return {
    base,
    ready: `${base}ready`,
    allJobs: `${base}alljobs`,
    liveJobs: `${base}live`,
    finishedJobs: `${base}finished`,
    cleaning: `${base}cleaning`,
    job: (id) => `${base}job:${id}`,
    checkpoint: (id) => `${base}cp:${id}`,
    events: (id) => `${base}ev:${id}`,
    tenantJobs: (tenant) => `${base}tjobs:${tenantPart(tenant)}`,
    records: (tenant, kind) => {
      const root = `{${prefix}:r:${tenantPart(tenant)}}:${kind}:`;
      const membership = (jobId: string) => `${root}m:${jobId}`;
      return {
        data: `${root}data`,
        ids: `${root}ids`,
        refs: `${root}refs`,
        jobs: `${root}jobs`,
        membership,
        library: membership(LIBRARY_MEMBERSHIP),
      };
    },
    rateLimiter: (limiter) => `{${prefix}:rl:${tenantPart(limiter)}}:`,
    spendLedger: (tenant) => {
      const root = `{${prefix}:sp:${tenantPart(tenant)}}:`;
      return {
        caps: `${root}caps`,
        totals: `${root}totals`,
        reservations: `${root}res`,
        expiries: `${root}exp`,
      };
    },
  };
}
