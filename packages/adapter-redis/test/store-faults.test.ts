// Store faults under running workers, on a private redis-server (these faults would disturb other
// tests on a shared one): CLIENT KILL of the workers' connections mid-job, CLIENT PAUSE for longer than
// a lease, and SCRIPT FLUSH. Every job must still succeed with exactly the reference chunk ids.
import { createRunner, type Job, StorageError } from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyntheticPipeline, syntheticSource } from "../../testkit/src/faults/synthetic-pipeline.js";
import { createRedisAdapter } from "../src/index.js";
import { allJobs, sleep } from "./chaos-harness.js";
import { type LocalRedis, startLocalRedis } from "./local-redis.js";
import { clusterToolsAvailable } from "./redis-cluster.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server is missing and CI=true: the store fault tests must run.");
}

const ITEMS = 40;
const TENANTS = ["t1", "t2"];

describe.skipIf(!available)("store faults", () => {
  let server: LocalRedis;
  let control: Redis;

  beforeAll(async () => {
    server = await startLocalRedis();
    control = new Redis(server.url);
  });
  afterAll(async () => {
    control?.disconnect();
    await server?.stop();
  });

  async function killWorkerConnections(): Promise<number> {
    const list = String(await control.client("LIST"));
    let killed = 0;
    for (const line of list.split("\n")) {
      const id = /\bid=(\d+)/.exec(line)?.[1];
      const name = /\bname=(\S*)/.exec(line)?.[1] ?? "";
      if (id && name.startsWith("tm-fault-")) {
        await control.client("KILL", "ID", id);
        killed++;
      }
    }
    return killed;
  }

  it("jobs finish correctly through CLIENT KILL, a CLIENT PAUSE longer than the lease, and SCRIPT FLUSH", async () => {
    const pipeline = () =>
      createSyntheticPipeline({ items: ITEMS, itemsPerUnit: 2, chunksPerItem: 3, burnMs: 30 });
    // The uninterrupted reference.
    const refStore = createRedisAdapter({ client: control, keyPrefix: "fault-ref" });
    const refRunner = createRunner({
      store: refStore,
      pipelines: { synthetic: pipeline() },
      sources: { synthetic: syntheticSource },
    });
    const ref = await refRunner.submit({
      tenant: "ref",
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    expect((await refRunner.run("ref", ref.job.id))?.status).toBe("succeeded");
    const reference = (await refStore.chunks.list("ref", { jobId: ref.job.id, limit: 10_000 })).map(
      (c) => c.id,
    );
    expect(reference).toHaveLength(ITEMS * 3);

    const errors: unknown[] = [];
    const clients = [0, 1].map((n) => {
      const c = new Redis(server.url, { connectionName: `tm-fault-${n}` });
      c.on("error", () => {});
      return c;
    });
    const runners = clients.map((client, n) =>
      createRunner({
        store: createRedisAdapter({ client, keyPrefix: "faults" }),
        workerId: `fault-${n}`,
        leaseMs: 1000,
        renewEveryMs: 250,
        pollMs: 100,
        pipelines: { synthetic: pipeline() },
        sources: { synthetic: syntheticSource },
        retry: { retries: 3, minTimeoutMs: 50, maxTimeoutMs: 500 },
        onError: ({ error }) => errors.push(error),
      }),
    );
    const store = createRedisAdapter({ client: control, keyPrefix: "faults" });
    const submitter = createRunner({ store, pipelines: { synthetic: pipeline() } });
    for (let i = 0; i < 8; i++) {
      await submitter.submit({
        tenant: TENANTS[i % 2]!,
        pipeline: "synthetic",
        input: { kind: "synthetic" },
        maxAttempts: 10,
      });
    }
    for (const runner of runners) runner.start({ concurrency: 1 });

    await sleep(700);
    const killedFirst = await killWorkerConnections();
    await sleep(800);
    await control.script("FLUSH");
    await sleep(800);
    const pausedAt = Date.now();
    await control.client("PAUSE", 2500, "ALL");
    await sleep(3000);
    const running = (await allJobs(store, TENANTS)).filter((j) => j.status === "running").length;
    const killedSecond = await killWorkerConnections();
    await control.script("FLUSH");

    let jobs: Job[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      jobs = await allJobs(store, TENANTS);
      if (jobs.every((j) => j.status !== "queued" && j.status !== "running")) break;
      await sleep(200);
    }
    await Promise.all(runners.map((r) => r.stop({ graceMs: 2000 })));
    for (const c of clients) c.disconnect();
    console.log(
      `[store faults] killed ${killedFirst} + ${killedSecond} worker connections, paused ${Date.now() - pausedAt > 0 ? 2500 : 0} ms with ${running} running after it, ${errors.length} errors reported and recovered`,
    );
    expect(killedFirst).toBeGreaterThan(0);
    expect(jobs).toHaveLength(8);
    for (const job of jobs) {
      expect(job.status, `job ${job.id}: ${JSON.stringify(job.error)}`).toBe("succeeded");
      const ids = (await store.chunks.list(job.tenant, { jobId: job.id, limit: 10_000 })).map((c) => c.id);
      expect(ids).toStrictEqual(reference);
      expect(await store.conversations.count(job.tenant, { jobId: job.id })).toBe(ITEMS);
    }
  }, 120_000);

  it("SCRIPT FLUSH before every operation: EVALSHA answers NOSCRIPT and the script is sent again", async () => {
    const client = new Redis(server.url);
    const store = createRedisAdapter({ client, keyPrefix: "faults-flush" });
    await control.script("FLUSH");
    const { job } = await store.jobs.create({ tenant: "f", pipeline: "p", input: { kind: "synthetic" } });
    await control.script("FLUSH");
    const claim = (await store.queue.claim("w", 5000))!;
    expect(claim.job.id).toBe(job.id);
    await control.script("FLUSH");
    await store.checkpoints.save(claim.lease, { stage: "s", cursors: {}, completed: [], counts: { n: 1 } });
    await control.script("FLUSH");
    await store.queue.extend(claim.lease, 5000);
    await control.script("FLUSH");
    expect((await store.queue.complete(claim.lease, { status: "succeeded" })).status).toBe("succeeded");
    expect(Number(await control.script("EXISTS", "0".repeat(40)))).toBe(0);
    await store.close();
    client.disconnect();
  });

  it("a long-poll reader's connection killed mid-wait surfaces a StorageError, then reads again fine", async () => {
    const client = new Redis(server.url, { connectionName: "tm-fault-reader" });
    const store = createRedisAdapter({ client, keyPrefix: "faults-reader" });
    const { job } = await store.jobs.create({ tenant: "r", pipeline: "p", input: { kind: "synthetic" } });
    const waiting = store.events.read("r", job.id, null, { waitMs: 3000 }).catch((e: unknown) => e);
    await sleep(200);
    await killWorkerConnections();
    const outcome = await waiting;
    expect(outcome).toBeInstanceOf(StorageError);
    expect((outcome as StorageError).message).toContain("[threadmill] [redis] read events failed");
    await store.events.append(
      { tenant: "r", jobId: job.id },
      { type: "queued", attempt: 0, epoch: 0, at: 1 },
    );
    expect((await store.events.read("r", job.id, null, { waitMs: 1000 })).map((e) => e.type)).toEqual([
      "queued",
    ]);
    await store.close();
    client.disconnect();
  });
});
