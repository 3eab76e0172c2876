// The library on a single Redis, read back raw: updateMembership is one script run however many ids
// (and survives SCRIPT FLUSH), library membership is the reserved membership set and never a
// reference, and the reserved id is no job's. On a private redis-server: SCRIPT FLUSH and CONFIG
// RESETSTAT would disturb other tests on the shared one.
import { type Chunk, LeaseLostError, LIBRARY_MEMBERSHIP, type Lease } from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAdapter, type RedisAdapter } from "../src/index.js";
import { type LocalRedis, startLocalRedis } from "./local-redis.js";
import { clusterToolsAvailable } from "./redis-cluster.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server is missing and CI=true: the library tests must run.");
}

const chunk = (id: string): Chunk => ({
  id,
  conversationId: "c",
  branchId: null,
  index: 0,
  text: `text of ${id}`,
  tokens: 1,
  overlap: 0,
  messageIds: [],
  startAt: null,
  endAt: null,
});
const idsOf = (records: readonly { id: string }[]) => records.map((r) => r.id);
const range = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, "0")}`);

/** Script runs that executed (a NOSCRIPT answer is a failed EVALSHA that ran nothing). */
async function scriptRuns(control: Redis): Promise<number> {
  const stats = String(await control.info("commandstats"));
  let runs = 0;
  for (const command of ["eval", "evalsha"]) {
    const line = new RegExp(`cmdstat_${command}:calls=(\\d+),.*failed_calls=(\\d+)`).exec(stats);
    if (line) runs += Number(line[1]) - Number(line[2]);
  }
  return runs;
}

describe.skipIf(!available)("redis library (single Redis, raw)", () => {
  let server: LocalRedis;
  let control: Redis;
  let client: Redis;
  let adapter: RedisAdapter;
  let tenantNo = 0;

  beforeAll(async () => {
    server = await startLocalRedis();
    control = new Redis(server.url);
    client = new Redis(server.url);
    adapter = createRedisAdapter({ client, keyPrefix: "lib" });
  });
  afterAll(async () => {
    await adapter?.close();
    client?.disconnect();
    control?.disconnect();
    await server?.stop();
  });

  const keysOf = (tenant: string) => `{lib:r:${tenant.length}:${tenant}}:chunks:`;
  async function claimed(tenant: string): Promise<{ jobId: string; lease: Lease }> {
    const { job } = await adapter.jobs.create({ tenant, pipeline: "p", input: { kind: "synthetic" } });
    const claim = (await adapter.queue.claim("w", 60_000, { tenant, jobId: job.id }))!;
    return { jobId: job.id, lease: claim.lease };
  }

  it("a change of thousands of ids is one script run, sent again after SCRIPT FLUSH", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    const b = await claimed(tenant);
    const [hold, add, remove] = [range(3000, "h"), range(3000, "a"), range(3000, "r")];
    await adapter.chunks.upsert(a.lease, [...hold, ...add, ...remove].map(chunk));
    await adapter.chunks.updateMembership(a.lease, { addToLibrary: remove });
    await control.script("FLUSH");
    await control.config("RESETSTAT");
    await adapter.chunks.updateMembership(b.lease, { hold, addToLibrary: add, removeFromLibrary: remove });
    expect(await scriptRuns(control)).toBe(1);
    expect(String(await control.info("errorstats"))).toContain("errorstat_NOSCRIPT:count=1");
    expect(idsOf(await adapter.chunks.list(tenant, { library: true, limit: 10_000 }))).toStrictEqual(add);
    expect(idsOf(await adapter.chunks.list(tenant, { jobId: b.jobId, limit: 10_000 }))).toStrictEqual(hold);
    expect(await control.hget(`${keysOf(tenant)}refs`, hold[0]!)).toBe("2");
  });

  it("a change with more ids than a JS call takes as arguments still goes as one script", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    await adapter.chunks.upsert(a.lease, [chunk("kept")]);
    await control.config("RESETSTAT");
    const removeFromLibrary = range(300_000, "gone");
    await adapter.chunks.updateMembership(a.lease, { addToLibrary: ["kept"], removeFromLibrary });
    expect(await scriptRuns(control)).toBe(1);
    expect(idsOf(await adapter.chunks.list(tenant, { library: true }))).toStrictEqual(["kept"]);
  });

  it("the library is the reserved membership set: never a reference, never a job, gone with its records", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    await adapter.chunks.upsert(a.lease, ["x", "y"].map(chunk));
    const refs = await control.hgetall(`${keysOf(tenant)}refs`);
    await adapter.chunks.updateMembership(a.lease, { addToLibrary: ["x", "y", "absent"] });
    expect(await control.zrange(`${keysOf(tenant)}m:${LIBRARY_MEMBERSHIP}`, 0, -1)).toStrictEqual(["x", "y"]);
    expect(await control.hgetall(`${keysOf(tenant)}refs`)).toStrictEqual(refs);
    expect(await control.smembers(`${keysOf(tenant)}jobs`)).toStrictEqual([a.jobId]);
    expect(await control.hexists(`${keysOf(tenant)}data`, "absent")).toBe(0);
    // The only job's purge takes the records, so they leave the library: no id outlives its data.
    await adapter.queue.complete(a.lease, { status: "succeeded" });
    expect(await adapter.jobs.purge(tenant, a.jobId)).toBe(true);
    expect(await control.keys(`${keysOf(tenant).replace(/[{}]/g, "\\$&")}*`)).toStrictEqual([]);
  });

  it("purgeTenant unlinks the library set of every kind", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    await adapter.chunks.upsert(a.lease, [chunk("x")]);
    await adapter.chunks.updateMembership(a.lease, { addToLibrary: ["x"] });
    await adapter.queue.complete(a.lease, { status: "succeeded" });
    await adapter.jobs.purgeTenant(tenant);
    expect(await control.keys(`{lib:r:${tenant.length}:${tenant}\\}*`)).toStrictEqual([]);
  });

  it("the reserved id is no job's: purgeJob of it and reads scoped to it touch and see nothing", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    await adapter.chunks.upsert(a.lease, ["x", "y"].map(chunk));
    await adapter.chunks.updateMembership(a.lease, { addToLibrary: ["x", "y"] });
    await adapter.chunks.purgeJob(tenant, LIBRARY_MEMBERSHIP);
    expect(await adapter.chunks.count(tenant)).toBe(2);
    expect(await adapter.chunks.count(tenant, { library: true })).toBe(2);
    expect(await adapter.chunks.count(tenant, { jobId: LIBRARY_MEMBERSHIP })).toBe(0);
    expect(await adapter.chunks.list(tenant, { jobId: LIBRARY_MEMBERSHIP })).toStrictEqual([]);
    // A forged lease naming it is lost, whether or not the store can check the epoch.
    const forged = { ...a.lease, jobId: LIBRARY_MEMBERSHIP };
    await expect(adapter.chunks.upsert(forged, [chunk("z")])).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(adapter.chunks.updateMembership(forged, { hold: ["x"] })).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    expect(await control.hget(`${keysOf(tenant)}refs`, "x")).toBe("1");
  });

  it("updateMembership refuses lists that are not arrays, before any script runs", async () => {
    const tenant = `t${tenantNo++}`;
    const a = await claimed(tenant);
    await adapter.chunks.upsert(a.lease, [chunk("x")]);
    const bad = { addToLibrary: "x" } as unknown as { addToLibrary: string[] };
    await expect(adapter.chunks.updateMembership(a.lease, bad)).rejects.toThrow(TypeError);
    expect(await adapter.chunks.count(tenant, { library: true })).toBe(0);
  });
});
