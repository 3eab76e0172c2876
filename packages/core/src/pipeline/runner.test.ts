import { createMemoryAdapter } from "@threadmill/adapter-memory";
import {
  burnCpu,
  createFaultyAdapter,
  createSyntheticPipeline,
  type SyntheticPipelineOptions,
  syntheticChunks,
  syntheticSource,
} from "@threadmill/testkit";
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import { RateLimitedError } from "../errors/rate-limited-error.js";
import { StorageError } from "../errors/storage-error.js";
import type { Adapter } from "../ports/adapter.js";
import type { ChunkSink } from "../ports/chunk-store.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import type { RecordStore } from "../ports/record-store.js";
import type { Fact } from "../facts/fact.js";
import { type ProgressEvent, progressEventSchema } from "../ports/event.js";
import type { Chunk } from "../chunk/chunk.js";
import { toSSEResponse } from "../sse/to-sse-response.js";
import { createRunner } from "./runner.js";
import type { RunnerOptions } from "./runner-options.js";

const TENANT = "tenant-a";
const INPUT = { kind: "synthetic" } as const;

function setup(pipelineOptions: SyntheticPipelineOptions = {}, store: Adapter = createMemoryAdapter()) {
  const pipeline = createSyntheticPipeline(pipelineOptions);
  const make = (overrides: Partial<RunnerOptions> = {}) =>
    createRunner({
      store,
      pipelines: { synthetic: pipeline },
      sources: { synthetic: syntheticSource },
      leaseMs: 600,
      renewEveryMs: 150,
      pollMs: 50,
      retry: { minTimeoutMs: 10, maxTimeoutMs: 50 },
      ...overrides,
    });
  const submit = async (extra: Record<string, unknown> = {}) => {
    const { job } = await make().submit({ tenant: TENANT, pipeline: "synthetic", input: INPUT, ...extra });
    return job.id;
  };
  const events = async (jobId: string) => store.events.read(TENANT, jobId, null, { limit: 10_000 });
  const chunkIds = async (jobId: string) =>
    (await store.chunks.list(TENANT, { jobId, limit: 100_000 })).map((c) => c.id).sort();
  return { store, make, submit, events, chunkIds };
}

/** The event types in an SSE body, in order. */
const sseEvents = (body: string) =>
  body
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => (JSON.parse(line.slice(6)) as ProgressEvent).type);

const expectedChunkIds = (items: number, chunksPerItem = 3) =>
  Array.from({ length: items }, (_, i) => syntheticChunks(i, chunksPerItem).map((c) => c.id))
    .flat()
    .sort();

describe("createRunner", () => {
  it("runs a job to succeeded: outputs written, counts on the job, events valid and ordered", async () => {
    const t = setup({ items: 7, itemsPerUnit: 2, summaryStage: true });
    const jobId = await t.submit();
    const result = await t.make().work();
    expect(result.reason).toBe("idle");
    expect(result.runs).toEqual([
      expect.objectContaining({ jobId, outcome: "succeeded", units: 5, epoch: 1 }),
    ]);
    const job = await t.store.jobs.get(TENANT, jobId);
    expect(job).toMatchObject({
      status: "succeeded",
      counts: { conversations: 7, messages: 14, chunks: 21, summaries: 1 },
      result: { conversations: 7, messages: 14, chunks: 21, summaries: 1 },
    });
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(7));
    expect(await t.store.conversations.count(TENANT, { jobId })).toBe(7);
    const events = await t.events(jobId);
    for (const e of events) expect(progressEventSchema.parse(e)).toEqual(e);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("queued");
    expect(types[1]).toBe("started");
    expect(types.at(-1)).toBe("succeeded");
    expect(events.filter((e) => e.type === "stage").map((e) => e.stage)).toEqual(["items", "summary"]);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const checkpoint = await t.store.checkpoints.load(TENANT, jobId);
    expect(checkpoint).toMatchObject({
      completed: ["items", "summary"],
      cursors: { items: 7, summary: true },
    });
  });

  it("submit is idempotent by key and logs exactly one queued event", async () => {
    const t = setup();
    const runner = t.make();
    const spec = { tenant: TENANT, pipeline: "synthetic", input: INPUT, idempotencyKey: "k1" };
    const [a, b] = await Promise.all([runner.submit(spec), runner.submit(spec)]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect((await t.events(a.job.id)).filter((e) => e.type === "queued")).toHaveLength(1);
    await expect(runner.submit({ ...spec, pipeline: "nope" })).rejects.toThrow(TypeError);
  });

  it("throttles progress events but always writes stage and terminal events", async () => {
    const t = setup({ items: 40, itemsPerUnit: 1, summaryStage: true });
    const jobId = await t.submit();
    await t.make({ progressEveryMs: 60_000 }).work();
    const events = await t.events(jobId);
    // One progress event for the first unit and one forced at the end of the stage, not 40.
    expect(events.filter((e) => e.type === "progress").length).toBeLessThanOrEqual(3);
    expect(events.filter((e) => e.type === "stage")).toHaveLength(2);
    expect(events.at(-1)?.type).toBe("succeeded");
    expect(events.findLast((e) => e.type === "progress")).toMatchObject({ done: 40, total: 40 });
  });

  it("keeps its lease through a unit burning CPU in 50 ms slices for several lease lengths", async () => {
    // 12 items x 150 ms = 1.8 s of CPU in one unit, with a 400 ms lease: 4.5 lease lengths.
    const t = setup({ items: 12, itemsPerUnit: 12, burnMs: 150, sliceMs: 50 });
    const jobId = await t.submit();
    const rival = t.make({ leaseMs: 400, renewEveryMs: 130, pollMs: 20 });
    const started = performance.now();
    const working = t.make({ leaseMs: 400, renewEveryMs: 130, yieldEveryMs: 50 }).work();
    await new Promise((r) => setTimeout(r, 10));
    rival.start(); // polls every 20 ms: it would take the job the moment the lease lapsed
    const result = await working;
    const elapsed = performance.now() - started;
    await rival.stop({ graceMs: 100 });
    expect(elapsed).toBeGreaterThan(1_600);
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "succeeded", epoch: 1 })]);
    const job = await t.store.jobs.get(TENANT, jobId);
    expect(job).toMatchObject({ status: "succeeded", epoch: 1 });
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(12));
  });

  it("a unit blocking longer than its lease loses it, aborts without writing, and the job is claimed again under a new epoch", async () => {
    let blocked = false;
    const t = setup({
      items: 6,
      itemsPerUnit: 2,
      onUnit: ({ item }) => {
        if (item === 2 && !blocked) {
          blocked = true;
          burnCpu(900); // the event loop is stuck for 3 lease lengths
        }
      },
    });
    const jobId = await t.submit();
    const writes: { epoch: number; what: string }[] = [];
    const spy = createFaultyAdapter(t.store);
    const recording = new Proxy(spy.adapter, {
      get(target, prop, receiver) {
        const port = Reflect.get(target, prop, receiver);
        if (prop !== "chunks" && prop !== "conversations" && prop !== "checkpoints") return port;
        return new Proxy(port, {
          get(p, method, r) {
            const fn = Reflect.get(p, method, r);
            if (method !== "upsert" && method !== "save") return fn;
            return (lease: { epoch: number }, ...rest: unknown[]) => {
              writes.push({ epoch: lease.epoch, what: `${String(prop)}.${String(method)}` });
              return fn.call(p, lease, ...rest);
            };
          },
        });
      },
    });
    const a = await t.make({ store: recording, leaseMs: 300, renewEveryMs: 100 }).work();
    // The blocked claim gave up; the same worker then claimed the job again under a new epoch.
    expect(a.runs).toEqual([
      expect.objectContaining({ outcome: "lease-lost", units: 1, epoch: 1 }),
      expect.objectContaining({ outcome: "succeeded", units: 2, epoch: 2 }),
    ]);
    // Epoch 1 wrote its first unit (conversations, chunks, checkpoint) and nothing after the block.
    expect(writes.filter((w) => w.epoch === 1).map((w) => w.what)).toEqual([
      "conversations.upsert",
      "chunks.upsert",
      "checkpoints.save",
    ]);
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(6));
  });

  it("retries a failing unit with backoff and reports it", async () => {
    let failures = 0;
    const t = setup({
      items: 4,
      onUnit: ({ item }) => {
        if (item === 2 && failures < 2) {
          failures += 1;
          throw new StorageError({ adapter: "redis", message: "connection reset" });
        }
      },
    });
    const jobId = await t.submit();
    const result = await t.make().work();
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "succeeded", epoch: 1 })]);
    expect(failures).toBe(2);
    const retrying = (await t.events(jobId)).filter((e) => e.type === "retrying");
    expect(retrying).toHaveLength(2);
    expect(retrying[0]?.message).toContain("connection reset");
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(4));
  });

  it("never retries a fatal error: ExportFormatError fails the job at once with its error", async () => {
    let tries = 0;
    const t = setup({
      onUnit: () => {
        tries += 1;
        throw new ExportFormatError("not an export", { reason: "unknown-format" });
      },
    });
    const jobId = await t.submit();
    const result = await t.make().work();
    expect(tries).toBe(1);
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "failed" })]);
    const job = await t.store.jobs.get(TENANT, jobId);
    expect(job?.status).toBe("failed");
    expect(job?.error).toMatchObject({ code: "EXPORT_FORMAT", name: "ExportFormatError", retriable: false });
    expect((await t.events(jobId)).at(-1)).toMatchObject({ type: "failed", status: "failed" });
  });

  it("releases a job whose unit keeps failing between attempts and dead-letters it after maxAttempts", async () => {
    let tries = 0;
    const t = setup({
      onUnit: () => {
        tries += 1;
        throw new StorageError({ adapter: "postgres", message: "too many connections" });
      },
    });
    const jobId = await t.submit({ maxAttempts: 3 });
    const runner = t.make({ retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 20 } });
    const job = await runner.run(TENANT, jobId);
    expect(job?.status).toBe("failed");
    expect(job?.attempts).toBe(3);
    expect(tries).toBe(6); // 3 attempts x (1 try + 1 retry)
    expect(job?.error).toMatchObject({ code: "STORAGE", retriable: true });
  });

  it("honours retryAfterMs of a rate-limited unit", async () => {
    const tries: number[] = [];
    const t = setup({
      items: 2,
      onUnit: () => {
        tries.push(performance.now());
        if (tries.length === 1) throw new RateLimitedError({ retryAfterMs: 400 });
      },
    });
    const jobId = await t.submit();
    await t.make().work();
    expect((await t.store.jobs.get(TENANT, jobId))?.status).toBe("succeeded");
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(390);
  });

  it("counts crashes as attempts only when they advanced no checkpoint", async () => {
    const store = createMemoryAdapter();
    // Every process dies right after its first checkpoint save: the job still moves on.
    const t = setup({ items: 8, itemsPerUnit: 1 }, store);
    const jobId = await t.submit({ maxAttempts: 2 });
    let crashes = 0;
    for (let i = 0; i < 30; i++) {
      const job = await store.jobs.get(TENANT, jobId);
      if (job?.status === "succeeded") break;
      const view = createFaultyAdapter(store);
      let saves = 0;
      const original = store.checkpoints.save.bind(store.checkpoints);
      const runner = t.make({ store: view.adapter, leaseMs: 150, renewEveryMs: 50 });
      // kill after the first checkpoint save of this process took effect
      const counting = new Proxy(view.adapter.checkpoints, {
        get(target, prop, receiver) {
          if (prop !== "save") return Reflect.get(target, prop, receiver);
          return async (...args: Parameters<typeof original>) => {
            saves += 1;
            const r = await target.save(...args);
            if (saves === 1) view.kill();
            return r;
          };
        },
      });
      Object.defineProperty(view.adapter, "checkpoints", { value: counting });
      let returned = false;
      void runner.work().then(() => {
        returned = true;
      });
      while (!returned && !view.killed) await new Promise((r) => setTimeout(r, 5));
      if (view.killed) crashes += 1;
      await new Promise((r) => setTimeout(r, 200)); // the lease expires
    }
    const job = await store.jobs.get(TENANT, jobId);
    expect(crashes).toBeGreaterThanOrEqual(5);
    expect(job?.status).toBe("succeeded");
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(8));
  });

  it("dead-letters a crash loop that never advances a checkpoint", async () => {
    const store = createMemoryAdapter();
    const t = setup({ items: 4 }, store);
    const jobId = await t.submit({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++) {
      // Each process dies at its 4th store call (after claiming, before any checkpoint).
      const view = createFaultyAdapter(store, { killAt: { call: 4, when: "before" } });
      void t.make({ store: view.adapter, leaseMs: 100, renewEveryMs: 30 }).work();
      const until = Date.now() + 5_000;
      while (!view.killed && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(view.killed).toBe(true);
      await new Promise((r) => setTimeout(r, 160)); // its lease lapses
    }
    const result = await t.make({ leaseMs: 100, renewEveryMs: 30 }).work();
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "failed" })]);
    const job = await store.jobs.get(TENANT, jobId);
    expect(job).toMatchObject({ status: "failed", attempts: 4 });
    expect(job?.error?.code).toBe("ATTEMPTS_EXHAUSTED");
    expect(job?.error?.message).toContain("no progress in 3 attempts");
  });

  it("cancel reaches the running unit through its AbortSignal", async () => {
    let aborted: unknown;
    const t = setup({
      items: 3,
      itemsPerUnit: 3,
      onUnit: async ({ context }) => {
        await new Promise<void>((resolve) => {
          context.signal.addEventListener(
            "abort",
            () => {
              aborted = context.signal.reason;
              resolve();
            },
            { once: true },
          );
        });
        context.signal.throwIfAborted();
      },
    });
    const jobId = await t.submit();
    const runner = t.make({ leaseMs: 600, renewEveryMs: 100 });
    const working = runner.work();
    await new Promise((r) => setTimeout(r, 150));
    await runner.cancel(TENANT, jobId);
    const result = await working;
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "cancelled" })]);
    expect((aborted as Error).name).toBe("CancelledError");
    expect((await t.store.jobs.get(TENANT, jobId))?.status).toBe("cancelled");
    expect((await t.events(jobId)).at(-1)?.type).toBe("cancelled");
  });

  it("deadline mode never starts a unit it cannot finish, releases with runAt now, and resumes", async () => {
    const units: number[] = [];
    const t = setup({
      items: 30,
      itemsPerUnit: 1,
      burnMs: 60,
      sliceMs: 20,
      onUnit: () => {
        units.push(Date.now());
      },
    });
    const jobId = await t.submit();
    const runner = t.make({ deadlineMarginMs: 100 });
    const deadline = Date.now() + 700;
    const result = await runner.work({ deadline });
    const returnedAt = Date.now();
    expect(result.reason).toBe("deadline");
    const run = result.runs[0]!;
    expect(run).toMatchObject({ outcome: "released", reason: "deadline" });
    // every unit started was finished and checkpointed: none was cut off by the deadline
    expect(run.units).toBe(units.length);
    expect(returnedAt).toBeLessThanOrEqual(deadline);
    const job = await t.store.jobs.get(TENANT, jobId);
    expect(job?.status).toBe("queued");
    expect(job!.runAt).toBeLessThanOrEqual(Date.now());
    expect((await t.events(jobId)).at(-1)).toMatchObject({ type: "yielded", status: "queued" });
    for (let i = 0; i < 20; i++) {
      const r = await runner.work({ deadline: Date.now() + 700 });
      if (r.runs.some((x) => x.outcome === "succeeded")) break;
    }
    expect((await t.store.jobs.get(TENANT, jobId))?.status).toBe("succeeded");
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(30));
  });

  it("stop() releases the running job within the grace period so another worker resumes at once", async () => {
    const t = setup({ items: 20, itemsPerUnit: 1, burnMs: 100, sliceMs: 25 });
    const jobId = await t.submit();
    const a = t.make({ leaseMs: 10_000, renewEveryMs: 3_000 });
    a.start({ concurrency: 2 });
    for (let i = 0; i < 1000; i++) {
      const running = await t.store.jobs.get(TENANT, jobId);
      if (running?.status === "running" && Object.keys(running.counts).length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const stopping = performance.now();
    await a.stop({ graceMs: 500 });
    // The grace period, plus a generous allowance for a loaded machine.
    expect(performance.now() - stopping).toBeLessThan(3_000);
    const job = await t.store.jobs.get(TENANT, jobId);
    expect(job?.status).toBe("queued");
    // Claimable now, although the lease would have run for 10 s.
    const b = await t.make().work();
    expect(b.runs[0]).toMatchObject({ outcome: "succeeded", epoch: 2 });
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(20));
  });

  it("run() follows a named job's events exactly once, in order, and returns the final record", async () => {
    const t = setup({ items: 6, itemsPerUnit: 1 });
    const jobId = await t.submit();
    const other = await t.submit();
    const seen: ProgressEvent[] = [];
    const job = await t.make({ progressEveryMs: 0 }).run(TENANT, jobId, { onEvent: (e) => seen.push(e) });
    expect(job?.status).toBe("succeeded");
    expect(seen.map((e) => e.id)).toEqual((await t.events(jobId)).map((e) => e.id));
    expect(seen.at(-1)?.type).toBe("succeeded");
    expect((await t.store.jobs.get(TENANT, other))?.status).toBe("queued");
    expect(await t.make().run(TENANT, "missing")).toBeNull();
  });

  it("run() with an aborted signal keeps the checkpoint, releases the job and returns it", async () => {
    const t = setup({ items: 30, itemsPerUnit: 1, burnMs: 40, sliceMs: 20 });
    const jobId = await t.submit();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 250);
    const job = await t.make({ leaseMs: 10_000, renewEveryMs: 3_000 }).run(TENANT, jobId, {
      signal: controller.signal,
    });
    expect(job?.status).toBe("queued");
    const checkpoint = await t.store.checkpoints.load(TENANT, jobId);
    expect(checkpoint?.cursors.items).toBeGreaterThan(0);
    const resumed = await t.make().run(TENANT, jobId);
    expect(resumed).toMatchObject({ status: "succeeded", epoch: 2 });
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(30));
  });

  it("writes chunks to a user's own ChunkSink instead of the store", async () => {
    const coordination = createMemoryAdapter();
    const mine: Chunk[] = [];
    const userSink: ChunkSink = {
      async upsert(tenant, chunks) {
        expect(tenant).toBe(TENANT);
        mine.push(...chunks);
      },
    };
    const t = setup({ items: 3 }, coordination);
    const jobId = await t.submit();
    await t.make({ sink: { chunks: userSink } }).work();
    expect((await coordination.jobs.get(TENANT, jobId))?.status).toBe("succeeded");
    expect(await coordination.chunks.count(TENANT)).toBe(0);
    expect(await coordination.conversations.count(TENANT, { jobId })).toBe(3);
    expect(mine.map((c) => c.id).sort()).toEqual(expectedChunkIds(3));
  });

  it("purge() and purgeTenant() delete the jobs and tell every sink held by another store, facts too", async () => {
    /** An unfenced sink in "another store" that records what it is asked to do. */
    const recordingStore = <T extends { readonly id: string }>() => {
      const ids = new Map<string, Set<string>>();
      const calls: string[] = [];
      const store: RecordStore<T> = {
        fenced: false,
        async upsert(lease, records) {
          const mine = ids.get(lease.tenant) ?? new Set<string>();
          for (const r of records) mine.add(r.id);
          ids.set(lease.tenant, mine);
        },
        list: async () => [],
        get: async () => [],
        count: async (tenant) => ids.get(tenant)?.size ?? 0,
        async updateMembership() {},
        async purgeJob(tenant, jobId) {
          calls.push(`purgeJob ${tenant} ${jobId}`);
        },
        async purgeTenant(tenant) {
          calls.push(`purgeTenant ${tenant}`);
          ids.delete(tenant);
        },
      };
      return { store, calls };
    };
    const conversations = recordingStore<StoredConversation>();
    const chunks = recordingStore<Chunk>();
    const facts = recordingStore<Fact>();
    const t = setup({ items: 3 });
    const sink = { conversations: conversations.store, chunks: chunks.store, facts: facts.store };
    const runner = t.make({ sink });
    const jobs = [await t.submit(), await t.submit()];
    const { job: other } = await runner.submit({ tenant: "tenant-b", pipeline: "synthetic", input: INPUT });
    await runner.work();
    expect(await chunks.store.count(TENANT)).toBe(9);
    expect(await runner.purgeTenant(TENANT)).toBe(2);
    for (const jobId of jobs) expect(await t.store.jobs.get(TENANT, jobId)).toBeNull();
    expect(conversations.calls).toEqual([`purgeTenant ${TENANT}`]);
    expect(chunks.calls).toEqual([`purgeTenant ${TENANT}`]);
    expect(facts.calls).toEqual([`purgeTenant ${TENANT}`]);
    expect(await chunks.store.count(TENANT)).toBe(0);
    expect((await t.store.jobs.get("tenant-b", other.id))?.status).toBe("succeeded");
    expect(await chunks.store.count("tenant-b")).toBe(9);
    expect(await runner.purge("tenant-b", other.id)).toBe(true);
    expect(await t.store.jobs.get("tenant-b", other.id)).toBeNull();
    for (const store of [conversations, chunks, facts]) {
      expect(store.calls).toEqual([`purgeTenant ${TENANT}`, `purgeJob tenant-b ${other.id}`]);
    }
  });

  it("purge() and purgeTenant() leave the store's own facts to the store's purge, not a second call", async () => {
    const store = createMemoryAdapter();
    const facts = store.facts!;
    let calls = 0;
    const counted = { ...facts, purgeJob: async () => void calls++, purgeTenant: async () => void calls++ };
    const t = setup({ items: 1 }, { ...store, facts: counted });
    const jobId = await t.submit();
    await t.make().work();
    expect(await t.make().purge(TENANT, jobId)).toBe(true);
    expect(await t.make().purgeTenant(TENANT)).toBe(0);
    expect(calls).toBe(0);
  });

  it("fails a job whose source kind this worker cannot open, naming the fix", async () => {
    const t = setup();
    const { job } = await t
      .make()
      .submit({ tenant: TENANT, pipeline: "synthetic", input: { kind: "s3", key: "x" } });
    await t.make().work();
    const failed = await t.store.jobs.get(TENANT, job.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error?.code).toBe("JOB_CONFIGURATION");
    expect(failed?.error?.name).toBe("JobConfigurationError");
    expect(failed?.error?.message).toContain("[UNKNOWN_SOURCE_KIND]");
    expect(failed?.error?.message).toContain("createRunner({ sources })");
  });

  it("logs started on every claim, also on one that fails while opening its source", async () => {
    const t = setup();
    const failingSource = () => {
      throw new Error("the source is not there yet");
    };
    const runner = t.make({ sources: { synthetic: failingSource } });
    const jobId = await t.submit({ maxAttempts: 3 });
    const final = await runner.run(TENANT, jobId);
    expect(final).toMatchObject({ status: "failed", epoch: 3 });
    const types = (await t.events(jobId)).map((e) => e.type);
    expect(types.filter((type) => type === "started")).toHaveLength(3);
    expect(types.indexOf("started")).toBe(1);
  });

  it("retries a dropped store connection during a unit's writes", async () => {
    const store = createMemoryAdapter();
    const view = createFaultyAdapter(store);
    let armed = true;
    const t = setup(
      {
        items: 4,
        onUnit: ({ item }) => {
          if (item === 2 && armed) {
            armed = false;
            view.failNext(1); // the next store call (the conversations upsert) drops
          }
        },
      },
      store,
    );
    const jobId = await t.submit();
    const result = await t.make({ store: view.adapter }).work();
    expect(result.runs[0]?.outcome).toBe("succeeded");
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(4));
  });
  it("retries the terminal write, and a worker that died before it leaves the bookkeeping to the next one", async () => {
    const store = createMemoryAdapter();
    const t = setup({ items: 4 }, store);
    // complete() fails twice (a flaky store), then succeeds: the job still ends succeeded.
    let failures = 0;
    const flaky = createFaultyAdapter(store);
    const queue = new Proxy(flaky.adapter.queue, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        // The terminal write: `completeAndClaim` while the worker will claim again, else `complete`.
        if (prop !== "complete" && prop !== "completeAndClaim") return value;
        return async (...args: unknown[]) => {
          if (failures++ < 2) throw new StorageError({ adapter: "memory", message: "flaky" });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    Object.defineProperty(flaky.adapter, "queue", { value: queue });
    const first = await t.submit();
    expect((await t.make({ store: flaky.adapter }).work()).runs[0]?.outcome).toBe("succeeded");
    expect((await store.jobs.get(TENANT, first))?.status).toBe("succeeded");
    expect(failures).toBe(3);

    // A worker killed just before its terminal write: every unit is checkpointed, the job is running.
    const second = await t.submit();
    const dying = createFaultyAdapter(store);
    const calls: string[] = [];
    const watched = new Proxy(dying.adapter.queue, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "complete" && prop !== "completeAndClaim") return value;
        return (...args: unknown[]) => {
          calls.push("complete");
          dying.kill();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    Object.defineProperty(dying.adapter, "queue", { value: watched });
    void t.make({ store: dying.adapter, leaseMs: 150, renewEveryMs: 50 }).work();
    for (let i = 0; i < 1000 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toEqual(["complete"]);
    expect((await store.jobs.get(TENANT, second))?.status).toBe("running");
    let next = await t.make().work();
    for (let i = 0; i < 200 && next.runs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20)); // until the dead worker's lease lapses
      next = await t.make().work();
    }
    expect(next.runs[0]).toMatchObject({ jobId: second, outcome: "succeeded", units: 0, epoch: 2 });
    expect((await store.jobs.get(TENANT, second))?.counts).toMatchObject({ conversations: 4, chunks: 12 });
  });

  it("retry() brings a failed job back; it resumes from its checkpoint", async () => {
    let fail = true;
    const seen: number[] = [];
    const t = setup({
      items: 6,
      itemsPerUnit: 2,
      onUnit: ({ item }) => {
        seen.push(item);
        if (item === 4 && fail) throw new ExportFormatError("bad bytes", { reason: "not-json" });
      },
    });
    const jobId = await t.submit();
    await t.make().work();
    expect((await t.store.jobs.get(TENANT, jobId))?.status).toBe("failed");
    fail = false;
    const runner = t.make();
    expect((await runner.retry(TENANT, jobId))?.status).toBe("queued");
    await runner.work();
    expect((await t.store.jobs.get(TENANT, jobId))?.status).toBe("succeeded");
    expect(seen).toEqual([0, 2, 4, 4]); // items 0-3 were not redone
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(6));
  });
  it("rides out a store blip on a checkpoint save or an event append inside the claim", async () => {
    const store = createMemoryAdapter();
    const t = setup({ items: 6, itemsPerUnit: 2 }, store);
    const jobId = await t.submit();
    const view = createFaultyAdapter(store);
    const blip = <T extends object>(port: T, method: string, times: number[]): T => {
      let n = 0;
      return new Proxy(port, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop !== method) return value;
          return async (...args: unknown[]) => {
            n += 1;
            if (times.includes(n)) throw new StorageError({ adapter: "memory", message: "blip" });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    };
    Object.defineProperty(view.adapter, "checkpoints", {
      value: blip(view.adapter.checkpoints, "save", [2]),
    });
    Object.defineProperty(view.adapter, "events", { value: blip(view.adapter.events, "append", [1, 2]) });
    const result = await t.make({ store: view.adapter }).work();
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "succeeded", epoch: 1, units: 3 })]);
    expect(await t.chunkIds(jobId)).toEqual(expectedChunkIds(6));
  });
  it("start({ concurrency: 2 }) works two jobs at once and stops cleanly when idle", async () => {
    const t = setup({ items: 8, itemsPerUnit: 1, burnMs: 40, sliceMs: 20 });
    const a = await t.submit();
    const b = await t.submit();
    const runner = t.make();
    runner.start({ concurrency: 2 });
    let both = false;
    for (let i = 0; i < 400 && !both; i++) {
      const [ja, jb] = await Promise.all([t.store.jobs.get(TENANT, a), t.store.jobs.get(TENANT, b)]);
      both = ja?.status === "running" && jb?.status === "running";
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(both).toBe(true);
    for (let i = 0; i < 1000; i++) {
      const jobs = await t.store.jobs.list(TENANT);
      if (jobs.every((j) => j.status === "succeeded")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await runner.stop();
    expect((await t.store.jobs.list(TENANT)).map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    expect(await t.chunkIds(a)).toEqual(expectedChunkIds(8));
    expect(await t.chunkIds(b)).toEqual(expectedChunkIds(8));
    expect(() => runner.start({ concurrency: 0 })).toThrow(RangeError);
  });

  it("start({ concurrency: 16 }) over many units adds no abort listener per loop or unit (no MaxListenersExceededWarning)", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => {
      if (w.name === "MaxListenersExceededWarning") warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      const t = setup({ items: 6, itemsPerUnit: 1 });
      const ids = await Promise.all(Array.from({ length: 20 }, () => t.submit()));
      const runner = t.make({ progressEveryMs: 0 });
      runner.start({ concurrency: 16 });
      for (let i = 0; i < 2000; i++) {
        const jobs = await t.store.jobs.list(TENANT);
        if (jobs.every((j) => j.status === "succeeded")) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      // Idle loops polling too: each sleeps on the runner's shared idle signal.
      await new Promise((r) => setTimeout(r, 150));
      await runner.stop();
      const jobs = await t.store.jobs.list(TENANT, { limit: 100 });
      expect(jobs.map((j) => j.status)).toEqual(ids.map(() => "succeeded"));
      // Warnings are emitted on the next tick.
      await new Promise((r) => setTimeout(r, 20));
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("work({ signal }) leaves no abort listener behind on the caller's signal, after many claims and units", async () => {
    const t = setup({ items: 5, itemsPerUnit: 1 });
    for (let i = 0; i < 12; i++) await t.submit();
    const controller = new AbortController();
    const result = await t.make({ progressEveryMs: 0 }).work({ signal: controller.signal });
    expect(result.runs.filter((r) => r.outcome === "succeeded")).toHaveLength(12);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("retry() logs queued after the old terminal event, so toSSEResponse and run({ onEvent }) stream on past it", async () => {
    const t = setup({ items: 3, itemsPerUnit: 1 });
    const jobId = await t.submit();
    await t.make({ sources: {} }).work(); // no resolver for the source kind: fails, fatal
    const failed = (await t.events(jobId)).at(-1)!;
    expect(failed.type).toBe("failed");
    const retried = await t.make().retry(TENANT, jobId);
    expect(retried?.status).toBe("queued");
    const after = await t.store.events.read(TENANT, jobId, failed.id);
    expect(after).toEqual([
      expect.objectContaining({ type: "queued", status: "queued", attempt: 0, epoch: 0 }),
    ]);
    // Retrying a job that is not failed or cancelled logs nothing.
    await t.make().retry(TENANT, jobId);
    expect(await t.store.events.read(TENANT, jobId, failed.id)).toHaveLength(1);

    // A client reconnecting after the old terminal event sees the job queued again at once.
    const reconnect = await toSSEResponse(t.store, {
      tenant: TENANT,
      jobId,
      lastEventId: failed.id,
      heartbeatMs: 100,
    });
    const reader = reconnect.body!.getReader();
    let head = "";
    for (let i = 0; i < 5 && !head.includes("data: "); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      head += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(sseEvents(head)).toEqual(["queued"]);

    const seen: ProgressEvent[] = [];
    const job = await t.make().run(TENANT, jobId, { onEvent: (e) => seen.push(e) });
    expect(job?.status).toBe("succeeded");
    const log = await t.events(jobId);
    expect(seen.map((e) => e.id)).toEqual(log.map((e) => e.id));
    // A client from the start streams past the old `failed` to the new run's end.
    const fresh = await (await toSSEResponse(t.store, { tenant: TENANT, jobId })).text();
    const types = sseEvents(fresh);
    expect(types).toEqual(log.map((e) => e.type));
    expect(types.indexOf("failed")).toBeLessThan(types.indexOf("succeeded"));
    expect(types.at(-1)).toBe("succeeded");
  });

  it("a release due now leaves runAt to the store's clock, so a worker clock ahead of it does not delay the job", async () => {
    const AHEAD_MS = 3_600_000;
    const store = createMemoryAdapter({ now: () => Date.now() - AHEAD_MS });
    const t = setup({ items: 30, itemsPerUnit: 1, burnMs: 60, sliceMs: 20 }, store);
    const jobId = await t.submit();
    const runner = t.make({ deadlineMarginMs: 100 });
    const first = await runner.work({ deadline: Date.now() + 500 });
    expect(first.runs[0]).toMatchObject({ outcome: "released", reason: "deadline" });
    const job = await store.jobs.get(TENANT, jobId);
    expect(job?.runAt).toBeLessThanOrEqual(Date.now() - AHEAD_MS);
    const second = await runner.work({ deadline: Date.now() + 500 });
    expect(second.runs[0]).toMatchObject({ jobId, epoch: 2 });
  });
});
