// testkit's limits conformance suites on a private redis-server (their SCRIPT FLUSH case would
// disturb other tests on the shared one), with limits-process-module.ts for the multi-process cases;
// and a check, on the shared Redis, that the process module reaches from a child process the very
// state this process sees.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as testkit from "@threadmill/testkit/vitest";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { LimitsConformanceOptions } from "../../testkit/src/conformance/limits/limits-conformance-options.js";
import { type LocalRedis, startLocalRedis } from "./local-redis.js";
import { openLimitsStores, TSX_ENV } from "./limits-stores.js";
import { clusterToolsAvailable } from "./redis-cluster.js";
import { deletePrefix, newClient, REDIS_URL, redisAvailable, uniquePrefix } from "./redis-env.js";

const processModule = fileURLToPath(new URL("./limits-process-module.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

// The suites are written alongside this adapter and reach main after it: they run here once
// `@threadmill/testkit/vitest` exports them (the lead then drops this guard for direct imports).
const suites = testkit as unknown as Partial<
  Record<"runRateLimitStoreConformance" | "runSpendLedgerConformance", (o: LimitsConformanceOptions) => void>
>;
const { runRateLimitStoreConformance, runSpendLedgerConformance } = suites;

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server is missing and CI=true: the limits conformance suites must run.");
}

if (available && runRateLimitStoreConformance && runSpendLedgerConformance) {
  const server: LocalRedis = await startLocalRedis();
  const control = new Redis(server.url);
  const env = {
    THREADMILL_REDIS_URL: server.url,
    THREADMILL_REDIS_PREFIX: uniquePrefix("limits-conf"),
    ...TSX_ENV,
  };
  // The suites pass this process's environment to their child processes.
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    control.disconnect();
    await server.stop();
  });
  const options: LimitsConformanceOptions = {
    name: "redis",
    open: () => openLimitsStores(env),
    durable: true,
    processModule,
    flushScripts: async () => {
      await control.script("FLUSH");
    },
  };
  runRateLimitStoreConformance(options);
  runSpendLedgerConformance(options);
} else {
  describe("limits conformance: redis", () => {
    it.skip("needs testkit's runRateLimitStoreConformance and runSpendLedgerConformance (not on this branch yet) and redis-server", () => {});
  });
}

describe.skipIf(!redisAvailable)("limits process module", () => {
  const prefix = uniquePrefix("limits-proc");
  const control = newClient();
  afterAll(async () => {
    await deletePrefix(control, prefix);
    control.disconnect();
  });

  it("opens, in a child process started anywhere, stores that share this process's state", async () => {
    const env = {
      ...process.env,
      THREADMILL_REDIS_URL: REDIS_URL,
      THREADMILL_REDIS_PREFIX: prefix,
      ...TSX_ENV,
    };
    const charge = { kind: "rate", key: "g:r", emissionMs: 3_600_000, toleranceMs: 3_600_000, cost: 1 };
    const code = `
      const { open } = await import(${JSON.stringify(processModule)});
      const stores = await open();
      const decision = await stores.rateLimits.acquire({ limiter: "shared", charges: [${JSON.stringify(charge)}], holdId: "child" });
      await stores.spend.reserve({ id: "r1", scope: { tenant: "t" }, amount: { microUsd: 7, tokens: 0 }, ttlMs: 60000 });
      await stores.close();
      console.log(JSON.stringify(decision));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", code],
      { cwd: repoRoot, env, timeout: 30_000 },
    );
    expect(JSON.parse(stdout.trim())).toMatchObject({ allowed: true, denied: [] });
    const stores = await openLimitsStores({
      THREADMILL_REDIS_URL: REDIS_URL,
      THREADMILL_REDIS_PREFIX: prefix,
    });
    try {
      const here = await stores.rateLimits.acquire({
        limiter: "shared",
        charges: [{ ...charge, kind: "rate" }],
        holdId: "parent",
      });
      expect(here.allowed).toBe(false);
      expect((await stores.spend.read({ tenant: "t" })).reserved.microUsd).toBe(7);
    } finally {
      await stores.close();
    }
  });
});
