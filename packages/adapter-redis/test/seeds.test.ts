// The field reports in /work/shared/seeds that touch a Redis store, each as a test: 000 (Vercel +
// Redis: connection reuse, non-atomic result writes, big results in Redis, TTLs expiring mid-job),
// 001 (state that one serverless worker writes and another cannot see) and 003 (resumable progress
// over Redis Streams, per-user isolation, connection cleanup).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAdapter, type RedisAdapter } from "../src/index.js";
import { deletePrefix, newClient, REDIS_URL, redisAvailable, uniquePrefix } from "./redis-env.js";

const spec = (tenant: string) => ({ tenant, pipeline: "import", input: { kind: "file", path: "/x" } });
const chunk = (i: number) => ({
  id: `chunk-${String(i).padStart(4, "0")}`,
  conversationId: "c",
  branchId: null,
  index: i,
  text: "lorem ipsum ".repeat(200),
  tokens: 400,
  overlap: 0,
  messageIds: ["m"],
  startAt: null,
  endAt: null,
});

describe.skipIf(!redisAvailable)("seeds", () => {
  let client: Redis;
  let prefix: string;
  let adapter: RedisAdapter;

  beforeAll(() => {
    client = newClient();
    prefix = uniquePrefix("seeds");
    adapter = createRedisAdapter({ client, keyPrefix: prefix, finishedJobRetentionMs: 60_000 });
  });
  afterAll(async () => {
    await adapter.close();
    await deletePrefix(client, prefix);
    client.disconnect();
  });

  it("seed 000 #3: status, result and terminal event are one write; a lost-lease worker writes none of them", async () => {
    const { job } = await adapter.jobs.create(spec("s3"));
    const zombie = (await adapter.queue.claim("a", 30_000, { tenant: "s3", jobId: job.id }))!;
    await client.hset(`{${prefix}}:job:${job.id}`, "leaseExp", 0); // the lease runs out
    const live = (await adapter.queue.claim("b", 30_000, { tenant: "s3", jobId: job.id }))!;
    await expect(
      adapter.queue.complete(zombie.lease, { status: "succeeded", result: "zombie" }),
    ).rejects.toThrow(/superseded/);
    const running = (await adapter.jobs.get("s3", job.id))!;
    expect([running.status, running.result]).toStrictEqual(["running", null]);
    expect(await adapter.events.read("s3", job.id, null)).toStrictEqual([]);
    const done = await adapter.queue.complete(live.lease, { status: "succeeded", result: { chunks: 3 } });
    expect([done.status, done.result]).toStrictEqual(["succeeded", { chunks: 3 }]);
    expect((await adapter.events.read("s3", job.id, null)).map((e) => [e.type, e.status])).toStrictEqual([
      ["succeeded", "succeeded"],
    ]);
  });

  it("seed 000 #4: chunks live in keys of their own, never inside the job hash", async () => {
    const { job } = await adapter.jobs.create(spec("s4"));
    const claim = (await adapter.queue.claim("a", 30_000, { tenant: "s4", jobId: job.id }))!;
    await adapter.chunks.upsert(
      claim.lease,
      Array.from({ length: 300 }, (_, i) => chunk(i)),
    );
    await adapter.checkpoints.save(claim.lease, {
      stage: "chunk",
      cursors: { chunk: 300 },
      completed: [],
      counts: { chunks: 300 },
    });
    const jobHash = await client.hgetall(`{${prefix}}:job:${job.id}`);
    const jobBytes = Object.entries(jobHash).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(jobBytes).toBeLessThan(2048);
    expect(JSON.stringify(jobHash)).not.toContain("lorem");
    expect(await adapter.chunks.count("s4", { jobId: job.id })).toBe(300);
  });

  it("seed 000 #10: nothing of a live job expires; a finished job keeps its keys for the retention; retry clears the TTLs", async () => {
    const { job } = await adapter.jobs.create({ ...spec("s10"), idempotencyKey: "k" });
    const keys = [`{${prefix}}:job:${job.id}`, `{${prefix}}:ev:${job.id}`, `{${prefix}}:cp:${job.id}`];
    const claim = (await adapter.queue.claim("a", 30_000, { tenant: "s10", jobId: job.id }))!;
    await adapter.events.append(claim.lease, {
      type: "started",
      attempt: 1,
      epoch: claim.lease.epoch,
      at: 1,
    });
    await adapter.checkpoints.save(claim.lease, { stage: "x", cursors: {}, completed: [], counts: {} });
    for (const key of keys) expect(await client.pttl(key)).toBe(-1);
    await adapter.queue.deadLetter(claim.lease, { code: "X", name: "X", message: "x", retriable: false });
    for (const key of keys) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    await adapter.jobs.retry("s10", job.id);
    for (const key of keys) expect(await client.pttl(key)).toBe(-1);
    expect((await adapter.jobs.create({ ...spec("s10"), idempotencyKey: "k" })).job.id).toBe(job.id);
  });

  it("seed 001: what one worker's connection writes, another process's connection reads at once", async () => {
    const other = new Redis(REDIS_URL);
    const second = createRedisAdapter({ client: other, keyPrefix: prefix });
    const { job } = await adapter.jobs.create(spec("s1"));
    const claim = (await second.queue.claim("elsewhere", 30_000, { tenant: "s1", jobId: job.id }))!;
    await second.jobs.transition(claim.lease, {
      stage: "chunk",
      progress: { done: 5, total: 10, unit: "conversations" },
    });
    await second.events.append(claim.lease, {
      type: "progress",
      done: 5,
      attempt: 1,
      epoch: claim.lease.epoch,
      at: 1,
    });
    const seen = (await adapter.jobs.get("s1", job.id))!;
    expect(seen.progress).toStrictEqual({ done: 5, total: 10, unit: "conversations" });
    expect(seen.workerId).toBe("elsewhere");
    expect((await adapter.events.read("s1", job.id, null)).map((e) => e.done)).toStrictEqual([5]);
    await second.close();
    other.disconnect();
  });

  it("seed 003: a reader resumes after its last event id, each event once; other users read nothing; close() closes the blocking connections", async () => {
    const name = `tm-seed-${randomBytes(4).toString("hex")}`;
    const own = new Redis(REDIS_URL, { connectionName: name });
    const store = createRedisAdapter({ client: own, keyPrefix: prefix });
    const { job } = await store.jobs.create(spec("user-a"));
    const ref = { tenant: "user-a", jobId: job.id };
    for (let i = 0; i < 5; i++)
      await store.events.append(ref, { type: "queued", done: i, attempt: 0, epoch: 0, at: i });
    const firstPage = await store.events.read("user-a", job.id, null, { limit: 2 });
    expect(firstPage.map((e) => e.done)).toStrictEqual([0, 1]);
    // The client disconnects, comes back with Last-Event-ID and long-polls for the rest.
    const rest = await store.events.read("user-a", job.id, firstPage[1]!.id, { waitMs: 1000 });
    expect(rest.map((e) => e.done)).toStrictEqual([2, 3, 4]);
    const later = store.events.read("user-a", job.id, rest[2]!.id, { waitMs: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    await store.events.append(ref, { type: "queued", done: 5, attempt: 0, epoch: 0, at: 5 });
    expect((await later).map((e) => e.done)).toStrictEqual([5]);
    expect(await store.events.read("user-b", job.id, null, { waitMs: 200 })).toStrictEqual([]);
    const count = async () =>
      String(await client.client("LIST"))
        .split("\n")
        .filter((line) => line.includes(`name=${name} `)).length;
    expect(await count()).toBe(2);
    await store.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe(1);
    own.disconnect();
  });
});
