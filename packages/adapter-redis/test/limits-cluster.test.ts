// The rate limit and spend stores on a local 3-master Redis Cluster (Debian's redis-server, free ports,
// torn down afterwards): every operation with several dimensions, global and per-key rules and
// tenant + job scopes answers with no CROSSSLOT, every key of one limiter (one tenant) sits in one
// slot, admission stays exact; then testkit's limits conformance suites, once they are on the branch.
import {
  BudgetExceededError,
  createRateLimiter,
  createSpendLedger,
  RateLimitedError,
} from "@threadmill/core";
import * as testkit from "@threadmill/testkit/vitest";
import { type Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LimitsConformanceOptions } from "../../testkit/src/conformance/limits/limits-conformance-options.js";
import { createRedisAdapter, type RedisAdapter } from "../src/index.js";
import { createRedisKeys } from "../src/redis-keys.js";
import { openLimitsStores, TSX_ENV } from "./limits-stores.js";
import { clusterToolsAvailable, type LocalCluster, startLocalCluster } from "./redis-cluster.js";
import { uniquePrefix } from "./redis-env.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server / redis-cli are missing and CI=true: the cluster tests must run.");
}

// As in limits-conformance.test.ts: the suites run here once `@threadmill/testkit/vitest` exports them.
const suites = testkit as unknown as Partial<
  Record<"runRateLimitStoreConformance" | "runSpendLedgerConformance", (o: LimitsConformanceOptions) => void>
>;

describe.skipIf(!available)("limits on a redis cluster", () => {
  let cluster: LocalCluster;
  let client: Cluster;
  let adapter: RedisAdapter;
  // Their own connections, so a SCRIPT FLUSH does not queue behind the calls it should land among.
  let masters: Redis[] = [];
  const keyPrefix = uniquePrefix("limits-cluster");
  const env: Record<string, string> = { THREADMILL_REDIS_PREFIX: keyPrefix, ...TSX_ENV };
  const saved = Object.fromEntries(
    ["THREADMILL_REDIS_CLUSTER", ...Object.keys(env)].map((k) => [k, process.env[k]]),
  );

  beforeAll(async () => {
    cluster = await startLocalCluster();
    client = cluster.client();
    adapter = createRedisAdapter({ client, keyPrefix });
    masters = cluster.ports.map((port) => new Redis({ host: "127.0.0.1", port }));
    env.THREADMILL_REDIS_CLUSTER = cluster.ports.map((port) => `127.0.0.1:${port}`).join(",");
    // The conformance suites pass this process's environment to their child processes.
    Object.assign(process.env, env);
  }, 60_000);
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await adapter?.close();
    for (const master of masters) master.disconnect();
    client?.disconnect();
    await cluster?.stop();
  });

  /** Every key under `{prefix:<kind>:` on every master. */
  async function keysOf(kind: "rl" | "sp"): Promise<string[]> {
    const all: string[] = [];
    for (const node of client.nodes("master")) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `{${keyPrefix}:${kind}:*`, "COUNT", 1000);
        cursor = next;
        all.push(...keys);
      } while (cursor !== "0");
    }
    return all;
  }

  /** Checks each owner's keys (those starting with its base) share one slot; returns the slots. */
  async function slotsOf(keys: string[], bases: string[]): Promise<Set<number>> {
    const slots = new Set<number>();
    for (const base of bases) {
      const own = keys.filter((k) => k.startsWith(base));
      expect(own.length, base).toBeGreaterThan(0);
      const ownSlots = new Set(
        await Promise.all(own.map(async (k) => Number(await client.cluster("KEYSLOT", k)))),
      );
      expect(ownSlots.size, base).toBe(1);
      slots.add([...ownSlots][0]!);
    }
    // No key outside the owners' bases.
    expect(keys.filter((k) => !bases.some((b) => k.startsWith(b)))).toEqual([]);
    return slots;
  }

  it("acquires, settles and releases over several dimensions and both scopes, one slot per limiter", async () => {
    const names = ["llm", "a}b", "{x", "näme:1"];
    for (const name of names) {
      const limiter = createRateLimiter({
        store: adapter.rateLimits,
        name,
        rules: [
          { name: "requests", limit: 50, periodMs: 60_000 },
          { name: "inputTokens", limit: 100_000, periodMs: 60_000, scope: "global" },
          { name: "outputTokens", limit: 20_000, periodMs: 60_000 },
          { name: "inFlight", concurrency: 3, holdMs: 30_000 },
          { name: "allInFlight", concurrency: 5, holdMs: 30_000, scope: "global" },
        ],
        maxWaitMs: 0,
      });
      for (const key of ["model-a", "model-b", "m{1}"]) {
        const hold = await limiter.acquire(key, { inputTokens: 1_000, outputTokens: 500 });
        expect(hold.checked).toBe(true);
        await hold.settle({ inputTokens: 800, outputTokens: 700 });
        await hold.release();
      }
    }
    const keys = createRedisKeys(keyPrefix);
    const slots = await slotsOf(
      await keysOf("rl"),
      names.map((name) => keys.rateLimiter(name)),
    );
    expect(slots.size).toBeGreaterThan(1);
    expect(await cluster.crossSlotErrors()).toBe(0);
  });

  it("reserves, settles and reads for tenants and jobs, one slot per tenant", async () => {
    const ledger = createSpendLedger({ store: adapter.spend });
    const tenants = ["u1", "t{x}:ü", "}"];
    for (const tenant of tenants) {
      await ledger.setCaps({ tenant }, { microUsd: 1_000_000, tokens: 100_000 });
      await ledger.setCaps({ tenant, jobId: "j:1" }, { tokens: 50_000 });
      const a = await ledger.reserve({ tenant, jobId: "j:1" }, { microUsd: 2_000, tokens: 3_000 });
      const b = await ledger.reserve({ tenant }, { microUsd: 100 });
      expect(await ledger.settle(a, { microUsd: 1_500, tokens: 2_500 })).toBe(true);
      expect(await ledger.settle(b, { microUsd: 100 })).toBe(true);
      expect((await ledger.spent({ tenant })).spent).toEqual({ microUsd: 1_600, tokens: 2_500 });
      expect((await ledger.spent({ tenant, jobId: "j:1" })).caps).toEqual({ tokens: 50_000 });
    }
    const keys = createRedisKeys(keyPrefix);
    // The bases: every ledger key of a tenant starts with its caps key's hash tag part.
    const bases = tenants.map((tenant) => keys.spendLedger(tenant).caps.slice(0, -"caps".length));
    await slotsOf(await keysOf("sp"), bases);
    expect(await cluster.crossSlotErrors()).toBe(0);
  });

  it("admits exactly 100 of 1,000 concurrent acquires, and what fits of 200 reservations", async () => {
    const limiter = createRateLimiter({
      store: adapter.rateLimits,
      name: "exact",
      rules: [
        { name: "requests", limit: 100, periodMs: 3_600_000 },
        { name: "tokens", limit: 1_000_000, periodMs: 3_600_000, scope: "global" },
      ],
      maxWaitMs: 0,
    });
    const acquired = await Promise.allSettled(
      Array.from({ length: 1000 }, () => limiter.acquire("k", { tokens: 100 })),
    );
    const refusedAcquires = acquired.filter((r) => r.status === "rejected");
    expect(acquired.length - refusedAcquires.length).toBe(100);
    expect(refusedAcquires.every((r) => RateLimitedError.isInstance(r.reason))).toBe(true);

    const ledger = createSpendLedger({ store: adapter.spend });
    await ledger.setCaps({ tenant: "exact" }, { tokens: 99_999 });
    const reserved = await Promise.allSettled(
      Array.from({ length: 200 }, () => ledger.reserve({ tenant: "exact", jobId: "j" }, { tokens: 1_000 })),
    );
    const refusedReservations = reserved.filter((r) => r.status === "rejected");
    expect(reserved.length - refusedReservations.length).toBe(99);
    expect(refusedReservations.every((r) => BudgetExceededError.isInstance(r.reason))).toBe(true);
    expect(await cluster.crossSlotErrors()).toBe(0);
  });

  const { runRateLimitStoreConformance, runSpendLedgerConformance } = suites;
  if (runRateLimitStoreConformance && runSpendLedgerConformance) {
    const options: LimitsConformanceOptions = {
      name: "redis-cluster",
      open: () => openLimitsStores(env),
      durable: true,
      processModule: new URL("./limits-process-module.ts", import.meta.url).pathname,
      flushScripts: async () => {
        await Promise.all(masters.map((master) => master.script("FLUSH")));
      },
    };
    runRateLimitStoreConformance(options);
    runSpendLedgerConformance(options);
    it("answered no command of the suites with CROSSSLOT", async () => {
      expect(await cluster.crossSlotErrors()).toBe(0);
    });
  } else {
    it.skip("limits conformance suites: need testkit's runRateLimitStoreConformance and runSpendLedgerConformance (not on this branch yet)", () => {});
  }
});
