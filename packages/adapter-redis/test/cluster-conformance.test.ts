// The whole conformance suite again on a local 3-master Redis Cluster started from Debian's
// redis-server (cluster mode, free ports) and torn down afterwards. Sinks are declared unfenced there
// (their keys live in the tenant's slot, not the lease's). No command may ever answer CROSSSLOT.
import { runAdapterConformance } from "@threadmill/testkit/vitest";
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
});
