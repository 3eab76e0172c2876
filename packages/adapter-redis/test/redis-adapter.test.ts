import { ConflictError, LeaseLostError, StorageError } from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAdapter, type RedisAdapter } from "../src/index.js";
import { deletePrefix, newClient, redisAvailable, uniquePrefix } from "./redis-env.js";

const input = { kind: "file", path: "/tmp/x.json" } as const;
const spec = (tenant: string, extra: Record<string, unknown> = {}) => ({
  tenant,
  pipeline: "import",
  input,
  ...extra,
});

describe.skipIf(!redisAvailable)("redis adapter (focused)", () => {
  let client: Redis;
  let prefix: string;
  let adapter: RedisAdapter;

  beforeAll(() => {
    client = newClient();
    prefix = uniquePrefix("focus");
    adapter = createRedisAdapter({ client, keyPrefix: prefix, eventRetention: 5 });
  });
  afterAll(async () => {
    await adapter.close();
    await deletePrefix(client, prefix);
    client.disconnect();
  });

  async function drain() {
    for (;;) {
      const c = await adapter.queue.claim("drain", 60_000);
      if (!c) return;
      await adapter.queue.complete(c.lease, { status: "succeeded" });
    }
  }

  it("creates, claims under a lease on the server clock, extends and completes with a terminal event", async () => {
    await drain();
    const t0 = Date.now();
    const { job, created } = await adapter.jobs.create(spec("a"));
    expect(created).toBe(true);
    expect(job.status).toBe("queued");
    const claim = await adapter.queue.claim("w1", 2000);
    expect(claim?.job.id).toBe(job.id);
    expect(claim?.lease.epoch).toBe(1);
    expect(claim?.job.attempts).toBe(1);
    expect(Math.abs(claim!.lease.expiresAt - (t0 + 2000))).toBeLessThan(1500);
    const ext = await adapter.queue.extend(claim!.lease, 5000);
    expect(ext.lease.expiresAt).toBeGreaterThan(claim!.lease.expiresAt);
    const done = await adapter.queue.complete(ext.lease, { status: "succeeded", result: { n: 1 } });
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ n: 1 });
    expect(done.finishedAt).not.toBeNull();
    const events = await adapter.events.read("a", job.id, null);
    expect(events.map((e) => e.type)).toEqual(["succeeded"]);
    expect(await adapter.queue.claim("w1", 2000)).toBeNull();
  });

  it("fences every write of a superseded lease (expired lease reclaimed without a sweeper)", async () => {
    await drain();
    const { job } = await adapter.jobs.create(spec("a"));
    const first = (await adapter.queue.claim("w1", 50))!;
    await new Promise((r) => setTimeout(r, 80));
    const second = (await adapter.queue.claim("w2", 5000))!;
    expect(second.job.id).toBe(job.id);
    expect(second.lease.epoch).toBe(2);
    const cp = { stage: "parse", cursors: {}, completed: [], counts: { chunks: 1 } };
    await expect(adapter.checkpoints.save(first.lease, cp)).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(adapter.queue.extend(first.lease, 1000)).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(adapter.queue.complete(first.lease, { status: "succeeded" })).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(adapter.jobs.transition(first.lease, { stage: "x" })).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await expect(
      adapter.events.append(first.lease, { type: "progress", attempt: 1, epoch: 1, at: Date.now() }),
    ).rejects.toSatisfy((e) => LeaseLostError.isInstance(e));
    await expect(adapter.chunks.upsert(first.lease, [])).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    await adapter.checkpoints.save(second.lease, cp);
    const after = await adapter.jobs.get("a", job.id);
    expect(after?.attempts).toBe(0);
    expect(after?.counts).toEqual({ chunks: 1 });
    expect(await adapter.checkpoints.load("a", job.id)).toEqual(cp);
    expect(await adapter.checkpoints.load("b", job.id)).toBeNull();
    await adapter.queue.complete(second.lease, { status: "succeeded" });
  });

  it("makes exactly one job for 50 concurrent creates with one idempotency key", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => adapter.jobs.create(spec("idem", { idempotencyKey: "k1" }))),
    );
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it("refuses a second active singleton with ConflictError naming the holder, and frees it at the end", async () => {
    await drain();
    const { job } = await adapter.jobs.create(spec("s", { singletonKey: "one" }));
    const err = await adapter.jobs.create(spec("s", { singletonKey: "one" })).catch((e) => e);
    expect(ConflictError.isInstance(err)).toBe(true);
    expect((err as ConflictError).existingJobId).toBe(job.id);
    const claim = (await adapter.queue.claim("w", 5000))!;
    await adapter.queue.deadLetter(claim.lease, {
      code: "X",
      name: "Error",
      message: "boom",
      retriable: false,
    });
    const again = await adapter.jobs.create(spec("s", { singletonKey: "one" }));
    expect(again.created).toBe(true);
    await expect(adapter.jobs.retry("s", job.id)).rejects.toSatisfy((e) => ConflictError.isInstance(e));
    await adapter.jobs.requestCancel("s", again.job.id);
    const retried = await adapter.jobs.retry("s", job.id);
    expect(retried?.status).toBe("queued");
    expect(retried?.attempts).toBe(0);
    expect(retried?.error).toBeNull();
    await drain();
  });

  it("hands out higher priority first, then earlier runAt, and keeps delayed jobs until due", async () => {
    await drain();
    const low = (await adapter.jobs.create(spec("p", { priority: 0 }))).job;
    const high = (await adapter.jobs.create(spec("p", { priority: 5 }))).job;
    const later = (await adapter.jobs.create(spec("p", { priority: 9, runAt: Date.now() + 300 }))).job;
    expect((await adapter.queue.claim("w", 5000))?.job.id).toBe(high.id);
    expect((await adapter.queue.claim("w", 5000))?.job.id).toBe(low.id);
    expect(await adapter.queue.claim("w", 5000)).toBeNull();
    await new Promise((r) => setTimeout(r, 350));
    expect((await adapter.queue.claim("w", 5000))?.job.id).toBe(later.id);
  });

  it("claims a named job only for its tenant, and releases back to the queue at runAt", async () => {
    await drain();
    const { job } = await adapter.jobs.create(spec("n"));
    expect(await adapter.queue.claim("w", 1000, { tenant: "other", jobId: job.id })).toBeNull();
    const claim = (await adapter.queue.claim("w", 1000, { tenant: "n", jobId: job.id }))!;
    expect(claim.job.id).toBe(job.id);
    const released = await adapter.queue.release(claim.lease, { runAt: Date.now() + 200 });
    expect(released.status).toBe("queued");
    expect(released.workerId).toBeNull();
    expect(await adapter.queue.claim("w", 1000)).toBeNull();
    await new Promise((r) => setTimeout(r, 250));
    expect((await adapter.queue.claim("w", 1000))?.job.id).toBe(job.id);
  });

  it("keeps tenants apart in get, list, cancel and events", async () => {
    const { job } = await adapter.jobs.create(spec("iso-a"));
    expect(await adapter.jobs.get("iso-b", job.id)).toBeNull();
    expect(await adapter.jobs.requestCancel("iso-b", job.id)).toBeNull();
    expect(await adapter.events.read("iso-b", job.id, null)).toEqual([]);
    expect((await adapter.jobs.list("iso-a")).map((j) => j.id)).toContain(job.id);
    expect(await adapter.jobs.list("iso-b")).toEqual([]);
    const cancelled = await adapter.jobs.requestCancel("iso-a", job.id);
    expect(cancelled?.status).toBe("cancelled");
    const events = await adapter.events.read("iso-a", job.id, null);
    expect(events.map((e) => e.type)).toEqual(["cancelled"]);
  });

  it("trims events to the retention and answers a trimmed reader with a reset first", async () => {
    const { job } = await adapter.jobs.create(spec("ev"));
    const ref = { tenant: "ev", jobId: job.id };
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await adapter.events.append(ref, { type: "progress", done: i, attempt: 0, epoch: 0, at: i }));
    }
    const all = await adapter.events.read("ev", job.id, null);
    expect(all[0]?.type).toBe("reset");
    expect(all.slice(1).map((e) => e.done)).toEqual([7, 8, 9, 10, 11]);
    const behind = await adapter.events.read("ev", job.id, ids[2]!);
    expect(behind[0]?.type).toBe("reset");
    expect(behind[0]?.status).toBe("queued");
    expect(behind.slice(1).map((e) => e.done)).toEqual([7, 8, 9, 10, 11]);
    const again = await adapter.events.read("ev", job.id, behind[0]!.id);
    expect(again.map((e) => e.done)).toEqual([7, 8, 9, 10, 11]);
    expect(await adapter.events.read("ev", job.id, ids[11]!)).toEqual([]);
    const garbage = await adapter.events.read("ev", job.id, "not-an-id");
    expect(garbage[0]?.type).toBe("reset");
  });

  it("long-polls on a blocking connection and wakes on append", async () => {
    const { job } = await adapter.jobs.create(spec("lp"));
    const ref = { tenant: "lp", jobId: job.id };
    const started = Date.now();
    const pending = adapter.events.read("lp", job.id, null, { waitMs: 3000 });
    setTimeout(() => void adapter.events.append(ref, { type: "queued", attempt: 0, epoch: 0, at: 1 }), 150);
    const got = await pending;
    expect(got.map((e) => e.type)).toEqual(["queued"]);
    expect(Date.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    const waiting = adapter.events.read("lp", job.id, got[0]!.id, {
      waitMs: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    expect(await waiting).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("stores records with every field, keeps per-job membership and purges only unreferenced ones", async () => {
    const j1 = (await adapter.jobs.create(spec("r2"))).job;
    const c1 = (await adapter.queue.claim("w", 60_000, { tenant: "r2", jobId: j1.id }))!;
    const j2 = (await adapter.jobs.create(spec("r2"))).job;
    const c2 = (await adapter.queue.claim("w", 60_000, { tenant: "r2", jobId: j2.id }))!;
    const chunk = (id: string, text: string) => ({
      id,
      conversationId: "c1",
      branchId: null,
      index: 0,
      text,
      tokens: 3,
      overlap: 0,
      messageIds: ["m1"],
      startAt: new Date(1_700_000_000_000),
      endAt: null,
    });
    await adapter.chunks.upsert(c1.lease, [chunk("a", "one"), chunk("b", "two")]);
    await adapter.chunks.upsert(c1.lease, [chunk("a", "one")]);
    await adapter.chunks.upsert(c2.lease, [chunk("b", "two"), chunk("c", "three")]);
    expect(await adapter.chunks.count("r2")).toBe(3);
    expect(await adapter.chunks.count("r2", { jobId: j1.id })).toBe(2);
    const listed = await adapter.chunks.list("r2", { jobId: j1.id });
    expect(listed).toEqual([chunk("a", "one"), chunk("b", "two")]);
    expect(listed[0]!.startAt).toBeInstanceOf(Date);
    expect((await adapter.chunks.list("r2", { after: "a", limit: 1 })).map((c) => c.id)).toEqual(["b"]);
    expect((await adapter.chunks.get("r2", ["c", "zz", "a"])).map((c) => c.id).sort()).toEqual(["a", "c"]);
    expect(await adapter.chunks.get("r", ["a"])).toEqual([]);
    expect(await adapter.jobs.purge("r2", j1.id)).toBe(true);
    expect((await adapter.chunks.list("r2")).map((c) => c.id)).toEqual(["b", "c"]);
    expect(await adapter.jobs.purge("r2", j1.id)).toBe(false);
    await expect(adapter.chunks.upsert(c1.lease, [chunk("a", "one")])).rejects.toSatisfy((e) =>
      LeaseLostError.isInstance(e),
    );
    expect(await adapter.jobs.purgeTenant("r2")).toBe(1);
    expect(await adapter.chunks.count("r2")).toBe(0);
    expect(await adapter.jobs.list("r2")).toEqual([]);
  });

  it("wraps driver failures in StorageError without the URL's password, and close() leaves the client open", async () => {
    const bad = new Redis("redis://user:hunter2@127.0.0.1:1/0", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    bad.on("error", () => {});
    const broken = createRedisAdapter({ client: bad, keyPrefix: uniquePrefix("bad") });
    const err = await broken.jobs.get("t", "x").catch((e) => e);
    expect(StorageError.isInstance(err)).toBe(true);
    expect((err as StorageError).adapter).toBe("redis");
    expect(String((err as Error).message)).not.toContain("hunter2");
    expect((err as Error).message).toMatch(/^\[threadmill\] \[redis\]/);
    bad.disconnect();

    const own = newClient();
    const other = createRedisAdapter({ client: own, keyPrefix: uniquePrefix("close") });
    await other.events.read("t", "nope", null, { waitMs: 50 });
    await other.close();
    await other.close();
    expect(await own.ping()).toBe("PONG");
    own.disconnect();
  });

  it("rejects a client with ioredis keyPrefix and bad options with clear errors", () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: "x:" });
    expect(() => createRedisAdapter({ client: prefixed })).toThrow(/keyPrefix/);
    prefixed.disconnect();
    expect(() => createRedisAdapter({ client, keyPrefix: "a{b" })).toThrow(/keyPrefix/);
    expect(() => createRedisAdapter({ client, eventRetention: 0 })).toThrow(/eventRetention/);
  });

  it("completes and claims the next job in one round trip", async () => {
    await drain();
    const a = (await adapter.jobs.create(spec("fast"))).job;
    const b = (await adapter.jobs.create(spec("fast"))).job;
    // Ids created in the same millisecond sort by their random bits, so either may come first.
    const first = (await adapter.queue.claim("w", 5000))!;
    const second = first.job.id === a.id ? b : a;
    expect([a.id, b.id]).toContain(first.job.id);
    const { job, next } = await adapter.queue.completeAndClaim(
      first.lease,
      { status: "succeeded" },
      { workerId: "w", leaseMs: 5000 },
    );
    expect(job.status).toBe("succeeded");
    expect(next?.job.id).toBe(second.id);
    const last = await adapter.queue.completeAndClaim(
      next!.lease,
      { status: "succeeded" },
      { workerId: "w", leaseMs: 5000 },
    );
    expect(last.next).toBeNull();
  });
});
