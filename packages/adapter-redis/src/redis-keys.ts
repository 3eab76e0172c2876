const encoder = new TextEncoder();

/** Which sink a record key belongs to. */
export type RecordKind = "conversations" | "chunks";

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
  /** ZSET (lexicographic) of the record ids a job produced. */
  membership(jobId: string): string;
}

/** Key builders; must agree with the Lua include's (`lua/includes/coordination.lua`). */
export interface RedisKeys {
  /** `{prefix}:`, the queue's base; every coordination key starts with it (one hash tag, one slot). */
  readonly base: string;
  /** ZSET of due jobs (lexicographic members); KEYS[1] of every coordination script. */
  readonly ready: string;
  job(jobId: string): string;
  checkpoint(jobId: string): string;
  events(jobId: string): string;
  tenantJobs(tenant: string): string;
  records(tenant: string, kind: RecordKind): RecordKeys;
}

// Tenants are length-prefixed (in UTF-8 bytes, as Lua's string.len counts) so no two tenants' keys meet.
const tenantPart = (tenant: string) => `${encoder.encode(tenant).length}:${tenant}`;

/**
 * The adapter's key layout for `prefix`: coordination keys under the hash tag `{prefix}`, records
 * under a per-tenant tag `{prefix:r:<tenant>}` so bulk data spreads over a Redis Cluster.
 */
export function createRedisKeys(prefix: string): RedisKeys {
  const base = `{${prefix}}:`;
  return {
    base,
    ready: `${base}ready`,
    job: (id) => `${base}job:${id}`,
    checkpoint: (id) => `${base}cp:${id}`,
    events: (id) => `${base}ev:${id}`,
    tenantJobs: (tenant) => `${base}tjobs:${tenantPart(tenant)}`,
    records: (tenant, kind) => {
      const root = `{${prefix}:r:${tenantPart(tenant)}}:${kind}:`;
      return {
        data: `${root}data`,
        ids: `${root}ids`,
        refs: `${root}refs`,
        jobs: `${root}jobs`,
        membership: (jobId) => `${root}m:${jobId}`,
      };
    },
  };
}
