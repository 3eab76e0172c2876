import { assertOpen, type MemoryState, purgeJobRecords, wake } from "./memory-state.js";

/**
 * Deletes the job, its checkpoint, events and the records only it referenced, except, with
 * `keepLibrary` (retention's cleanup), those in the tenant's library; and the tenant once it holds
 * nothing. Whether anything was deleted.
 */
export function purgeMemoryJob(
  state: MemoryState,
  tenant: string,
  jobId: string,
  keepLibrary = false,
): boolean {
  assertOpen(state, keepLibrary ? "admin.cleanup" : "jobs.purge");
  const t = state.tenants.get(tenant);
  if (!t) return false;
  let deleted = t.jobs.delete(jobId);
  deleted = t.checkpoints.delete(jobId) || deleted;
  deleted = t.events.delete(jobId) || deleted;
  deleted = purgeJobRecords(t.conversations, jobId, keepLibrary) || deleted;
  deleted = purgeJobRecords(t.chunks, jobId, keepLibrary) || deleted;
  deleted = purgeJobRecords(t.facts, jobId, keepLibrary) || deleted;
  deleted = purgeJobRecords(t.library, jobId, keepLibrary) || deleted;
  wake(state, tenant, jobId);
  if (
    t.jobs.size === 0 &&
    t.events.size === 0 &&
    t.checkpoints.size === 0 &&
    t.conversations.records.size === 0 &&
    t.chunks.records.size === 0 &&
    t.facts.records.size === 0 &&
    t.library.records.size === 0
  ) {
    state.tenants.delete(tenant);
  }
  return deleted;
}

/** Deletes everything of the tenant and wakes its waiting readers; the number of jobs deleted. */
export function purgeMemoryTenant(state: MemoryState, tenant: string): number {
  assertOpen(state, "jobs.purgeTenant");
  const t = state.tenants.get(tenant);
  if (!t) return 0;
  state.tenants.delete(tenant);
  const jobIds = new Set([...t.jobs.keys(), ...t.events.keys()]);
  for (const jobId of jobIds) wake(state, tenant, jobId);
  return t.jobs.size;
}
