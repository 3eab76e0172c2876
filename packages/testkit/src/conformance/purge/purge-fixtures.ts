import { expect } from "vitest";
import type { Adapter } from "@threadmill/core";
import { createAndClaim, progressEvent } from "../conformance-context.js";

/** Records sorted by id, as the stores list them. */
export function byId<T extends { readonly id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Reads a job back through every port and asserts that nothing of it is left. */
export async function expectJobGone(adapter: Adapter, tenant: string, jobId: string): Promise<void> {
  expect(await adapter.jobs.get(tenant, jobId)).toBeNull();
  expect((await adapter.jobs.list(tenant)).map((j) => j.id)).not.toContain(jobId);
  expect(await adapter.checkpoints.load(tenant, jobId)).toBeNull();
  expect(await adapter.events.read(tenant, jobId, null, { limit: 1000 })).toStrictEqual([]);
  expect(await adapter.conversations.list(tenant, { jobId })).toStrictEqual([]);
  expect(await adapter.conversations.count(tenant, { jobId })).toBe(0);
  expect(await adapter.chunks.list(tenant, { jobId })).toStrictEqual([]);
  expect(await adapter.chunks.count(tenant, { jobId })).toBe(0);
  if (adapter.facts) {
    expect(await adapter.facts.list(tenant, { jobId })).toStrictEqual([]);
    expect(await adapter.facts.count(tenant, { jobId })).toBe(0);
  }
  expect(await adapter.queue.claim("probe", 30_000, { tenant, jobId })).toBeNull();
  expect(await adapter.jobs.requestCancel(tenant, jobId)).toBeNull();
  expect(await adapter.jobs.retry(tenant, jobId)).toBeNull();
}

/** A job with a checkpoint, events, conversations and chunks, some shared with `shared`. */
export async function populatedJob(
  adapter: Adapter,
  tenant: string,
  keys: { idempotencyKey?: string; singletonKey?: string },
) {
  const claim = await createAndClaim(adapter, tenant, 30_000, keys);
  await adapter.checkpoints.save(claim.lease, {
    stage: "import",
    cursors: { import: 1 },
    completed: [],
    counts: { chunks: 2 },
  });
  await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
  await adapter.events.append(claim.lease, progressEvent(claim.lease, 2));
  return claim;
}
