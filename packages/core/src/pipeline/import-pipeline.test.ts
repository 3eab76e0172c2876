import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createFaultyAdapter, generateExport } from "@threadmill/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createChunker } from "../chunk/chunker.js";
import { readExport } from "../node/read-export.js";
import type { Adapter } from "../ports/adapter.js";
import type { Source } from "../ports/source.js";
import { createImportChunkerPool } from "../node/import-chunker-pool.js";
import { createBytesSource } from "../source/create-bytes-source.js";
import type { Chunk } from "../chunk/chunk.js";
import { createImportPipeline, type NodeImportPipelineOptions } from "../node/create-node-import-pipeline.js";
import { createRunner } from "../node/create-node-runner.js";
import type { ImportChunkerPool } from "./import-pipeline-options.js";
import type { Stage } from "./pipeline.js";
import type { RunnerOptions } from "./runner-options.js";
import { StorageError } from "../errors/storage-error.js";

const TENANT = "import-tenant";
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../shared/fixtures/real");
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures && process.env.CI === "true") {
  throw new Error(`real fixtures missing at ${FIXTURES}; CI needs them`);
}

/** A ChatGPT export of `count` linear conversations, each with `turns` user/assistant pairs; `extra` elements go in the middle. */
function chatgptExport(count: number, turns = 3, extra: unknown[] = []): Uint8Array {
  const conversations: unknown[] = [];
  for (let c = 0; c < count; c++) {
    const mapping: Record<string, unknown> = {
      root: { id: "root", message: null, parent: null, children: [`c${c}-m0`] },
    };
    let parent = "root";
    for (let m = 0; m < turns * 2; m++) {
      const id = `c${c}-m${m}`;
      mapping[id] = {
        id,
        parent,
        children: m + 1 < turns * 2 ? [`c${c}-m${m + 1}`] : [],
        message: {
          id,
          author: { role: m % 2 === 0 ? "user" : "assistant" },
          create_time: 1_700_000_000 + c * 100 + m,
          content: {
            content_type: "text",
            parts: [
              `Conversation ${c} message ${m}. ${"Lorem ipsum dolor sit amet, consectetur. ".repeat(1 + ((c * 7 + m) % 40))}`,
            ],
          },
        },
      };
      (mapping[parent] as { children: string[] }).children = [id];
      parent = id;
    }
    conversations.push({
      id: `conv-${c}`,
      title: `Conversation ${c}`,
      create_time: 1_700_000_000 + c * 100,
      update_time: 1_700_000_000 + c * 100 + 50,
      mapping,
      current_node: parent,
    });
  }
  conversations.splice(Math.floor(count / 2), 0, ...extra);
  return new TextEncoder().encode(JSON.stringify(conversations));
}

function setup(
  bytes: Uint8Array | null,
  pipelineOptions: NodeImportPipelineOptions = {},
  store: Adapter = createMemoryAdapter(),
) {
  const memorySource = (): Source => createBytesSource(bytes!);
  const make = (overrides: Partial<RunnerOptions> = {}) =>
    createRunner({
      store,
      pipelines: { import: createImportPipeline(pipelineOptions) },
      sources: { memory: memorySource },
      leaseMs: 2_000,
      renewEveryMs: 500,
      pollMs: 20,
      retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
      ...overrides,
    });
  return { store, make };
}

/** One worker-thread pool for every test here that chunks on threads. */
const sharedPool = createImportChunkerPool({ threads: 2, idleMs: 100 });
afterAll(() => sharedPool.close());

/**
 * Runs the job in "processes" that die at ever later store calls (before or after the call), each
 * leaving its lease to lapse, until the job ends or `maxCrashes` died. Returns how many died.
 */
async function crashUntilDone(
  t: ReturnType<typeof setup>,
  store: Adapter,
  jobId: string,
  maxCrashes: number,
): Promise<number> {
  let crashes = 0;
  for (let call = 7; crashes < maxCrashes; call += 5) {
    const status = (await store.jobs.get(TENANT, jobId))?.status;
    if (status !== "queued" && status !== "running") break;
    const view = createFaultyAdapter(store, {
      killAt: { call, when: call % 2 === 0 ? "after" : "before" },
    });
    let returned = false;
    void t
      .make({ store: view.adapter, leaseMs: 300, renewEveryMs: 100 })
      .work()
      .then(() => {
        returned = true;
      });
    // Wait for this process to die at its kill point, or to finish the job before reaching it.
    while (!returned && !view.killed) await new Promise((r) => setTimeout(r, 5));
    if (view.killed) {
      crashes++;
      await new Promise((r) => setTimeout(r, 320)); // its lease lapses
    }
  }
  return crashes;
}

/** What parser + chunker called directly make of an input: the reference of every pipeline test. */
async function direct(
  input: string | Uint8Array,
  options: { maxTokens?: number; overlapTokens?: number } = {},
) {
  const chunker = createChunker(options);
  const ids: string[] = [];
  let conversations = 0;
  let messages = 0;
  let issues = 0;
  for await (const c of readExport(input, { onIssue: () => issues++ })) {
    conversations++;
    messages += c.messages.length;
    for (const chunk of chunker.chunk(c)) ids.push(chunk.id);
  }
  return { ids: ids.sort(), conversations, messages, issues };
}

describe("createImportPipeline", () => {
  it("imports an export through the runner: same chunks and counts as parser + chunker called directly", async () => {
    const bytes = chatgptExport(25);
    const t = setup(bytes, { batchConversations: 4 });
    const { job } = await t.make().submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    const result = await t.make().work();
    expect(result.runs[0]).toMatchObject({ outcome: "succeeded", units: 7 });
    const reference = await direct(bytes);
    const done = await t.store.jobs.get(TENANT, job.id);
    expect(done?.counts).toEqual({
      conversations: 25,
      messages: reference.messages,
      chunks: reference.ids.length,
      issues: 0,
      new: 25,
      changed: 0,
      unchanged: 0,
      missing: 0,
    });
    const chunks = await t.store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 });
    expect(chunks.map((c) => c.id).sort()).toEqual(reference.ids);
    const stored = await t.store.conversations.get(TENANT, ["conv-3"]);
    expect(stored[0]).toMatchObject({ id: "conv-3", title: "Conversation 3", source: "chatgpt" });
    expect(stored[0]).not.toHaveProperty("cursor");
    const checkpoint = await t.store.checkpoints.load(TENANT, job.id);
    expect(checkpoint?.cursors.import).toMatchObject({ entry: null, index: 24 });
  });

  it.each([
    ["in-process", {}],
    ["on a chunker pool, prefetching", { chunkerPool: sharedPool }],
  ] as const)(
    "resumes from the byte cursor after crashes at any point (%s): no chunk missing or twice, counts exact",
    async (_, extra) => {
      const bytes = chatgptExport(40);
      const reference = await direct(bytes);
      const store = createMemoryAdapter();
      const t = setup(bytes, { batchConversations: 3, ...extra }, store);
      const { job } = await t
        .make()
        .submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
      const crashes = await crashUntilDone(t, store, job.id, 40);
      expect(crashes).toBeGreaterThan(2);
      const final = await t.make().run(TENANT, job.id);
      expect(final?.status).toBe("succeeded");
      const ids = (await store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(reference.ids);
      expect(final?.counts).toEqual({
        conversations: 40,
        messages: reference.messages,
        chunks: reference.ids.length,
        issues: 0,
        new: 40,
        changed: 0,
        unchanged: 0,
        missing: 0,
      });
      const library = await store.chunks.list(TENANT, { library: true, limit: 100_000 });
      expect(library.map((c) => c.id).sort()).toEqual(reference.ids);
    },
  );

  it("counts parse issues once, even when a resumed reader passes them again", async () => {
    const bytes = chatgptExport(9, 2, [42, { title: "no mapping" }, { id: "x", mapping: "nope" }]);
    const reference = await direct(bytes);
    expect(reference.issues).toBeGreaterThan(0);
    // Each opened stage serves one unit, then fails: the runner reopens the export at the cursor.
    const inner = createImportPipeline({ batchConversations: 2 }).stages[0]!;
    const reopening: Stage = {
      name: inner.name,
      async open(context, cursor) {
        opens++;
        const run = await inner.open(context, cursor);
        let served = false;
        return {
          async next(unit) {
            if (served) throw new StorageError({ adapter: "memory", message: "reopen" });
            served = true;
            return run.next(unit);
          },
          close: () => run.close?.(),
        };
      },
    };
    let opens = 0;
    const store = createMemoryAdapter();
    const runner = createRunner({
      store,
      pipelines: { import: { stages: [reopening] } },
      sources: { memory: () => createBytesSource(bytes) },
      retry: { retries: 50, minTimeoutMs: 1, maxTimeoutMs: 1 },
    });
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    await runner.work();
    expect(opens).toBeGreaterThan(3);
    const t = { store };
    const done = await t.store.jobs.get(TENANT, job.id);
    expect(done?.status, JSON.stringify(done?.error)).toBe("succeeded");
    expect(done?.counts.issues).toBe(reference.issues);
  });

  it("applies the job's options over the pipeline's (maxTokens, overlapTokens)", async () => {
    const bytes = chatgptExport(5);
    const t = setup(bytes);
    const { job } = await t.make().submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { maxTokens: 64, overlapTokens: 8 },
    });
    await t.make().work();
    const reference = await direct(bytes, { maxTokens: 64, overlapTokens: 8 });
    const chunks = await t.store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 });
    expect(chunks.map((c) => c.id).sort()).toEqual(reference.ids);
    expect(Math.max(...chunks.map((c) => c.tokens))).toBeLessThanOrEqual(64);
  });

  it("fails a job whose input is not an export with ExportFormatError, without retrying", async () => {
    const t = setup(new TextEncoder().encode("this is not json at all"));
    const { job } = await t.make().submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    const result = await t.make().work();
    expect(result.runs).toHaveLength(1);
    const failed = await t.store.jobs.get(TENANT, job.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed?.error).toMatchObject({ code: "EXPORT_FORMAT", retriable: false });
  });

  it("rejects bad job options with a clear error", async () => {
    const t = setup(chatgptExport(1));
    const { job } = await t.make().submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { branches: "some" },
    });
    await t.make().work();
    const failed = await t.store.jobs.get(TENANT, job.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error?.message).toContain('branches must be "active" or "all"');
  });

  describe.skipIf(!haveFixtures)("real export samples (file source)", () => {
    const files = haveFixtures ? readdirSync(FIXTURES).filter((f) => f !== "MANIFEST.md") : [];
    it.each(files)("%s: runner output equals parser + chunker", async (file) => {
      const path = join(FIXTURES, file);
      const t = setup(null, { batchConversations: 1 });
      const { job } = await t
        .make()
        .submit({ tenant: TENANT, pipeline: "import", input: { kind: "file", path } });
      await t.make().work();
      const done = await t.store.jobs.get(TENANT, job.id);
      expect(done?.status, JSON.stringify(done?.error)).toBe("succeeded");
      const reference = await direct(path);
      expect(done?.counts).toMatchObject({
        conversations: reference.conversations,
        chunks: reference.ids.length,
      });
      expect(done?.counts.issues).toBe(reference.issues);
      const ids = (await t.store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
      expect(ids.sort()).toEqual(reference.ids);
    });
  });
  it.runIf(!haveFixtures)(
    "real export samples: skipped, fixtures not found at ../shared/fixtures/real",
    () => {},
  );
});

/** A generated ChatGPT export with branches, hidden nodes and non-ASCII text, as bytes. */
async function generated(seed: number, conversations: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of generateExport({
    format: "chatgpt-json",
    seed,
    conversations,
    branches: 0.3,
  }).bytes()) {
    parts.push(part);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Every chunk a finished job stored, by id. */
async function storedChunks(store: Adapter, jobId: string): Promise<Map<string, Chunk>> {
  const chunks = await store.chunks.list(TENANT, { jobId, limit: 1_000_000 });
  return new Map(chunks.map((c) => [c.id, c]));
}

describe("createImportPipeline with a chunker pool (worker threads)", () => {
  const pool = sharedPool;

  async function importWith(bytes: Uint8Array, options: NodeImportPipelineOptions, jobOptions = {}) {
    const t = setup(bytes, options);
    const { job } = await t
      .make()
      .submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" }, options: jobOptions });
    await t.make().work();
    const done = await t.store.jobs.get(TENANT, job.id);
    expect(done?.status, JSON.stringify(done?.error)).toBe("succeeded");
    return { counts: done?.counts, chunks: await storedChunks(t.store, job.id) };
  }

  it("stores exactly the chunks (same ids, texts, counts, dates) of in-process chunking, branches included", async () => {
    const bytes = await generated(5, 60);
    const jobOptions = { branches: "all", maxTokens: 96, overlapTokens: 16 };
    const inProcess = await importWith(bytes, { batchConversations: 7, prefetch: false }, jobOptions);
    const pooled = await importWith(bytes, { batchConversations: 7, chunkerPool: pool }, jobOptions);
    expect([...inProcess.chunks.values()].some((c) => c.branchId !== null)).toBe(true);
    expect(pooled.counts).toEqual(inProcess.counts);
    expect([...pooled.chunks.keys()].sort()).toEqual([...inProcess.chunks.keys()].sort());
    for (const [id, chunk] of inProcess.chunks) expect(pooled.chunks.get(id)).toEqual(chunk);
    const reference = await direct(bytes, { maxTokens: 96, overlapTokens: 16 });
    expect(pooled.counts?.conversations).toBe(reference.conversations);
  });

  it("threads: n on the Node pipeline gives the same ids as threads: 0", async () => {
    const bytes = chatgptExport(30);
    const reference = await direct(bytes);
    const pooled = await importWith(bytes, { batchConversations: 4, threads: 1 });
    expect([...pooled.chunks.keys()].sort()).toEqual(reference.ids);
    expect(() => createImportPipeline({ threads: -1 })).toThrow(RangeError);
  });

  it("chunks in-process when the pool declines (a tokenizer object), and releases what it acquired", async () => {
    const bytes = chatgptExport(12);
    let acquired = 0;
    let released = 0;
    let declined = 0;
    const counting: ImportChunkerPool = {
      acquire(options) {
        if (typeof options.tokenizer === "object") {
          declined++;
          return null;
        }
        const lent = pool.acquire(options)!;
        acquired++;
        return {
          chunk: (c) => lent.chunk(c),
          release() {
            released++;
            lent.release();
          },
        };
      },
    };
    const words = { count: (text: string) => text.split(/\s+/).filter(Boolean).length };
    const custom = await importWith(bytes, {
      batchConversations: 5,
      chunkerPool: counting,
      tokenizer: words,
    });
    expect(declined).toBeGreaterThan(0);
    const inProcess = await importWith(bytes, { batchConversations: 5, prefetch: false, tokenizer: words });
    expect([...custom.chunks.keys()].sort()).toEqual([...inProcess.chunks.keys()].sort());
    await importWith(bytes, { batchConversations: 5, chunkerPool: counting });
    expect(acquired).toBeGreaterThan(0);
    expect(released).toBe(acquired);
  });
});

describe("createImportPipeline prefetching", () => {
  it("reads the next unit while the runner writes the last one", async () => {
    const bytes = chatgptExport(30);
    const reference = await direct(bytes);
    let reads = 0;
    let writesInFlight = 0;
    let readsDuringWrites = 0;
    const store = createMemoryAdapter();
    const slowChunks = {
      ...store.chunks,
      async upsert(...args: Parameters<typeof store.chunks.upsert>) {
        writesInFlight++;
        const before = reads;
        await new Promise((r) => setTimeout(r, 30));
        if (reads > before) readsDuringWrites++;
        writesInFlight--;
        return store.chunks.upsert(...args);
      },
    };
    const counting: ImportChunkerPool = {
      acquire: () => {
        const chunker = createChunker();
        return {
          chunk: async (c) => {
            reads++;
            return [...chunker.chunk(c)];
          },
          release: () => {},
        };
      },
    };
    const t = setup(
      bytes,
      { batchConversations: 3, chunkerPool: counting },
      { ...store, chunks: slowChunks },
    );
    const { job } = await t.make().submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    await t.make().work();
    expect(readsDuringWrites).toBeGreaterThan(0);
    expect(writesInFlight).toBe(0);
    const ids = (await store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
    expect(ids.sort()).toEqual(reference.ids);
  });

  it("drops a prefetched unit when the job stops at its deadline: it stops reading, releases, and the resume is exact", async () => {
    const bytes = chatgptExport(60);
    const reference = await direct(bytes);
    let reads = 0;
    let acquired = 0;
    let released = 0;
    let tail: Promise<void> = Promise.resolve();
    const slow: ImportChunkerPool = {
      acquire: () => {
        acquired++;
        const chunker = createChunker();
        return {
          // One conversation at a time, like a single busy worker thread.
          chunk: (c) => {
            tail = tail.then(async () => {
              reads++;
              await new Promise((r) => setTimeout(r, 15));
            });
            return tail.then(() => [...chunker.chunk(c)]);
          },
          release: () => {
            released++;
          },
        };
      },
    };
    const t = setup(bytes, { batchConversations: 4, chunkerPool: slow });
    const { job } = await t.make().submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    const first = await t.make({ deadlineMarginMs: 100 }).work({ deadline: Date.now() + 600 });
    expect(first.runs[0]?.outcome).toBe("released");
    expect(released).toBe(acquired);
    const readsAtStop = reads;
    await new Promise((r) => setTimeout(r, 150));
    expect(reads).toBe(readsAtStop);
    const saved = (await t.store.jobs.get(TENANT, job.id))?.counts.conversations ?? 0;
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(60);
    await t.make().work();
    const done = await t.store.jobs.get(TENANT, job.id);
    expect(done?.status).toBe("succeeded");
    expect(done?.counts.conversations).toBe(60);
    const ids = (await t.store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
    expect(ids.sort()).toEqual(reference.ids);
  });
});
