// The admin port's Redis-specific failure modes, read back raw: a job whose retention TTL fired before
// cleanup (its records used to leak), a cleanup cut short between its coordination and record steps,
// a sparse find over more ids than one script reads, and a check against an unreachable Redis.
import { StorageError } from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAndClaim,
  sampleChunk,
  sleep,
  spec,
} from "../../testkit/src/conformance/conformance-context.js";
import { createRedisAdapter } from "../src/index.js";
import { REDIS_SCRIPTS } from "../src/lua/redis-scripts.js";
import { createRedisKeys } from "../src/redis-keys.js";
import { deletePrefix, newClient, REDIS_URL, redisAvailable, uniquePrefix } from "./redis-env.js";
import { tenantEntryCounter } from "./tenant-entries.js";

describe.skipIf(!redisAvailable)("redis job admin (raw)", () => {
  let client: Redis;
  const prefixes: string[] = [];
  const prefix = () => {
    const p = uniquePrefix("admin");
    prefixes.push(p);
    return p;
  };

  beforeAll(() => {
    client = newClient();
  });
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(client, p);
    client.disconnect();
  });

  it("cleanup purges the records of a job whose hash already expired, keeping the library", async () => {
    const keyPrefix = prefix();
    const adapter = createRedisAdapter({ client, keyPrefix, finishedJobRetentionMs: 100 });
    const claim = await createAndClaim(adapter, "t");
    await adapter.chunks.upsert(claim.lease, [sampleChunk("only"), sampleChunk("kept")]);
    await adapter.chunks.updateMembership(claim.lease, { addToLibrary: ["kept"] });
    await adapter.queue.complete(claim.lease, { status: "succeeded" });
    await sleep(300);
    expect(await adapter.jobs.get("t", claim.job.id)).toBeNull();
    // What the TTL leaves behind: the job's membership and references.
    expect(await adapter.chunks.count("t", { jobId: claim.job.id })).toBe(2);

    expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toStrictEqual({
      jobs: 1,
      more: false,
      removed: [{ tenant: "t", jobId: claim.job.id }],
    });
    expect((await adapter.chunks.list("t")).map((c) => c.id)).toStrictEqual(["kept"]);
    expect((await adapter.chunks.list("t", { library: true })).map((c) => c.id)).toStrictEqual(["kept"]);
    const keys = createRedisKeys(keyPrefix);
    const chunkKeys = keys.records("t", "chunks");
    expect(await client.exists(chunkKeys.refs, chunkKeys.jobs, chunkKeys.membership(claim.job.id))).toBe(0);
    for (const index of [
      keys.allJobs,
      keys.liveJobs,
      keys.finishedJobs,
      keys.cleaning,
      keys.tenantJobs("t"),
    ]) {
      expect(await client.zcard(index), index).toBe(0);
    }
  });

  it("a cleanup cut short before the records are purged is completed by the next one", async () => {
    const keyPrefix = prefix();
    const own = newClient();
    try {
      const adapter = createRedisAdapter({ client: own, keyPrefix });
      const claim = await createAndClaim(adapter, "t");
      await adapter.chunks.upsert(claim.lease, [sampleChunk("a")]);
      await adapter.queue.complete(claim.lease, { status: "succeeded" });
      const command = REDIS_SCRIPTS.purgeRecordsOfJob.name as keyof Redis;
      const original = own[command];
      Object.assign(own, { [command]: () => Promise.reject(new Error("connection lost")) });
      await expect(adapter.admin.cleanup({ olderThanMs: 0 })).rejects.toThrow(StorageError);
      Object.assign(own, { [command]: original });
      expect(await adapter.jobs.get("t", claim.job.id)).toBeNull();
      expect(await adapter.chunks.count("t")).toBe(1);

      // The call that completes the removal reports the job: the one cut short returned nothing.
      expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toStrictEqual({
        jobs: 1,
        more: false,
        removed: [{ tenant: "t", jobId: claim.job.id }],
      });
      expect(await adapter.chunks.count("t")).toBe(0);
      expect(await own.zcard(createRedisKeys(keyPrefix).cleaning)).toBe(0);
    } finally {
      own.disconnect();
    }
  });

  it("a record kept only for the library leaves no key behind once it leaves the library", async () => {
    const keyPrefix = prefix();
    const adapter = createRedisAdapter({ client, keyPrefix });
    const first = await createAndClaim(adapter, "t");
    await adapter.chunks.upsert(first.lease, [sampleChunk("k1")]);
    await adapter.chunks.updateMembership(first.lease, { addToLibrary: ["k1"] });
    await adapter.queue.complete(first.lease, { status: "succeeded" });
    await adapter.admin.cleanup({ olderThanMs: 0 });
    const second = await createAndClaim(adapter, "t");
    await adapter.chunks.updateMembership(second.lease, { removeFromLibrary: ["k1"] });
    await adapter.queue.complete(second.lease, { status: "succeeded" });
    await adapter.admin.cleanup({ olderThanMs: 0 });
    expect(await tenantEntryCounter(client)(adapter, "t")).toBe(0);
  });

  it("find goes on past the ids one script reads when the matches are sparse", async () => {
    const adapter = createRedisAdapter({ client, keyPrefix: prefix() });
    const failed = await createAndClaim(adapter, "t");
    await adapter.queue.deadLetter(failed.lease, {
      code: "X",
      name: "Error",
      message: "x",
      retriable: false,
    });
    await sleep(5);
    const queued = await Promise.all(Array.from({ length: 1100 }, () => adapter.jobs.create(spec("t"))));
    const newest = queued
      .map((r) => r.job.id)
      .sort()
      .reverse();

    expect((await adapter.admin.find({ status: "failed" })).map((j) => j.id)).toStrictEqual([failed.job.id]);
    expect((await adapter.admin.find({ tenant: "t", status: "failed" })).map((j) => j.id)).toStrictEqual([
      failed.job.id,
    ]);
    expect((await adapter.admin.find({ limit: 1050 })).map((j) => j.id)).toStrictEqual(newest.slice(0, 1050));
    expect((await adapter.admin.find({ before: newest[1099] })).map((j) => j.id)).toStrictEqual([
      failed.job.id,
    ]);
  });

  it("check answers {} from a live Redis and throws StorageError from an unreachable one", async () => {
    expect(await createRedisAdapter({ client, keyPrefix: prefix() }).admin.check()).toStrictEqual({});
    const url = new URL(REDIS_URL);
    const down = new Redis({
      host: url.hostname,
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on("error", () => {});
    try {
      await expect(createRedisAdapter({ client: down }).admin.check()).rejects.toThrow(StorageError);
    } finally {
      down.disconnect();
    }
  });
});
