// The whole conformance suite again on a local 3-master Redis Cluster started from Debian's
// redis-server (cluster mode, free ports) and torn down afterwards. Sinks are declared unfenced there
// (their keys live in the tenant's slot, not the lease's). No command may ever answer CROSSSLOT.
import { runAdapterConformance } from "@threadmill/testkit/vitest";
import { LeaseLostError, LIBRARY_MEMBERSHIP } from "@threadmill/core";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";
import { tenantEntryCounter } from "./tenant-entries.js";
import { clusterToolsAvailable, type LocalCluster, startLocalCluster } from "./redis-cluster.js";
import { uniquePrefix } from "./redis-env.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server / redis-cli are missing and CI=true: the cluster tests must run.");
}

describe.skipIf(!available)("redis cluster", () => {
  let cluster: LocalCluster;
  let client: Cluster;
  const prefixes: string[] = [];

  beforeAll(async () => {
    cluster = await startLocalCluster();
    client = cluster.client();
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  runAdapterConformance({
    name: "redis-cluster",
    create: async ({ eventRetention }) => {
      const keyPrefix = uniquePrefix("cluster");
      prefixes.push(keyPrefix);
      return createRedisAdapter({ client, keyPrefix, eventRetention });
    },
    capabilities: { blockingRead: true, fencedSinks: false },
    requireFacts: true,
    requireLibrary: true,
    requireAdmin: true,
    requireCompleteAndClaim: true,
    // The cluster client is made in beforeAll: resolve it when the case runs.
    countTenantEntries: (adapter, tenant) => tenantEntryCounter(client)(adapter, tenant),
  });

  it("spreads record keys over the masters while the queue's keys stay in one slot, with no CROSSSLOT", async () => {
    const adapter = createRedisAdapter({ client, keyPrefix: uniquePrefix("spread") });
    expect(adapter.capabilities.fencedSinks).toBe(false);
    expect(adapter.chunks.fenced).toBe(false);
    const slots = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const tenant = `tenant-${i}`;
      const { job } = await adapter.jobs.create({
        tenant,
        pipeline: "import",
        input: { kind: "file", path: "x" },
      });
      const claim = (await adapter.queue.claim("w", 10_000, { tenant, jobId: job.id }))!;
      await adapter.chunks.upsert(claim.lease, [
        {
          id: `c${i}`,
          conversationId: "c",
          branchId: null,
          index: 0,
          text: "t",
          tokens: 1,
          overlap: 0,
          messageIds: [],
          startAt: null,
          endAt: null,
        },
      ]);
      const key = `{${adapter.keyPrefix}:r:${tenant.length}:${tenant}}:chunks:data`;
      slots.add(Number(await client.cluster("KEYSLOT", key)));
      await adapter.queue.complete(claim.lease, { status: "succeeded" });
    }
    expect(slots.size).toBeGreaterThan(10);
    const nodes = new Set<string>();
    for (const slot of slots) {
      const shards = (await client.cluster("SLOTS")) as unknown as [number, number, [string, number]][];
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      nodes.add(String(owner?.[2][1]));
    }
    expect(nodes.size).toBe(3);
    await adapter.close();
    expect(await cluster.crossSlotErrors()).toBe(0);
  });

  it("a library change of thousands of ids and the purges stay in the tenant's slot; the reserved id is no job's", async () => {
    const adapter = createRedisAdapter({ client, keyPrefix: uniquePrefix("lib") });
    const tenant = "library-tenant";
    const { job } = await adapter.jobs.create({
      tenant,
      pipeline: "import",
      input: { kind: "file", path: "x" },
    });
    const { lease } = (await adapter.queue.claim("w", 10_000, { tenant, jobId: job.id }))!;
    const ids = Array.from({ length: 3000 }, (_, i) => `v${String(i).padStart(4, "0")}`);
    const version = (id: string) => ({
      id,
      conversationId: id,
      fingerprint: "f",
      rawHash: null,
      settings: "s",
      chunkIds: [],
      jobId: job.id,
      change: "new" as const,
      replacedChunkIds: [],
      messages: 0,
      createdAt: new Date(0),
    });
    await adapter.library.upsert(lease, ids.map(version));
    await adapter.library.updateMembership(lease, { hold: ids, addToLibrary: ids.slice(1000) });
    await adapter.library.updateMembership(lease, {
      addToLibrary: ids.slice(0, 1000),
      removeFromLibrary: ids.slice(2000),
    });
    expect(await adapter.library.count(tenant, { library: true })).toBe(2000);
    // Unfenced here, so only the adapter stands between a forged lease and the library's keys.
    const forged = { ...lease, jobId: LIBRARY_MEMBERSHIP };
    await expect(adapter.library.upsert(forged, [version("forged")])).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(adapter.library.updateMembership(forged, { hold: ids })).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await adapter.library.purgeJob(tenant, LIBRARY_MEMBERSHIP);
    expect(await adapter.library.count(tenant)).toBe(3000);
    expect(await adapter.library.get(tenant, ["forged"])).toStrictEqual([]);
    await adapter.queue.complete(lease, { status: "succeeded" });
    expect(await adapter.jobs.purge(tenant, job.id)).toBe(true);
    expect(await adapter.library.count(tenant, { library: true })).toBe(0);
    await adapter.jobs.purgeTenant(tenant);
    expect(await tenantEntryCounter(client)(adapter, tenant)).toBe(0);
    await adapter.close();
    expect(await cluster.crossSlotErrors()).toBe(0);
  });
});
