import { createMemoryAdapter } from "@threadmill/adapter-memory";
import type { EvolvedExport } from "@threadmill/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import type { Chunk, ChunkSink } from "../src/index.js";
import {
  byConversation,
  chunkIds,
  flat,
  importNamed,
  reimportFixture,
  reimportRunner,
  TENANT,
} from "./support/reimport-setup.js";

let exports: EvolvedExport;
let before: Map<string, Set<string>>;
let after: Map<string, Set<string>>;

beforeAll(async () => {
  ({ exports, before, after } = await reimportFixture(7, 40));
});

const named = () => ({ base: exports.base, next: exports.bytes });

describe("re-import of a newer export", () => {
  it("the exports differ the way the tests need (edits, branch switches, removals, additions)", () => {
    expect(exports.edited.length).toBeGreaterThan(2);
    expect(exports.switched.length).toBeGreaterThan(2);
    expect(exports.removed.length).toBeGreaterThan(1);
    expect(exports.added.length).toBe(4);
    for (const id of [...exports.edited, ...exports.switched]) {
      expect(after.get(id), `conversation ${id} chunks differently after its change`).not.toEqual(
        before.get(id),
      );
    }
  });

  it('with missing: "delete", the library equals a fresh import of the newer export (same chunk ids, none stale), and the job counts what changed', async () => {
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named());
    await importNamed(store, runner, "base");
    const job = await importNamed(store, runner, "next", { missing: "delete" });
    expect(job.status).toBe("succeeded");
    expect(await chunkIds(store, { library: true })).toEqual(flat(after));
    const conversations = await store.conversations.list(TENANT, { library: true, limit: 10_000 });
    expect(conversations.map((c) => c.id).sort()).toEqual([...after.keys()].sort());
    const changed = exports.edited.length + exports.switched.length;
    expect(job.counts).toMatchObject({
      conversations: after.size,
      unchanged: after.size - changed - exports.added.length,
      changed,
      new: exports.added.length,
      missing: exports.removed.length,
    });
    // Only what changed was chunked and written.
    const written = [...exports.edited, ...exports.switched, ...exports.added];
    const chunksWritten = written.reduce((n, id) => n + after.get(id)!.size, 0);
    expect(job.counts.chunks).toBe(chunksWritten);
    // The job holds the whole newer export; its own output reads as a fresh import's.
    expect(
      (await store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id).sort(),
    ).toEqual(flat(after));
  });

  it('with missing: "keep" (the default), the library is the fresh import plus the removed conversations', async () => {
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named());
    await importNamed(store, runner, "base");
    const job = await importNamed(store, runner, "next");
    const kept = new Map(after);
    for (const id of exports.removed) kept.set(id, before.get(id)!);
    expect(await chunkIds(store, { library: true })).toEqual(flat(kept));
    expect(job.counts).toMatchObject({ missing: exports.removed.length, new: exports.added.length });
  });

  it("importing the same export again holds everything and writes no chunk", async () => {
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named());
    await importNamed(store, runner, "base");
    const again = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory", name: "base" },
      idempotencyKey: "second",
    });
    await runner.work();
    const job = (await store.jobs.get(TENANT, again.job.id))!;
    expect(job.counts).toMatchObject({ unchanged: before.size, changed: 0, new: 0, missing: 0, chunks: 0 });
    expect(await chunkIds(store, { library: true })).toEqual(flat(before));
  });

  it("a new chunk size makes every conversation changed: the library holds the new chunks only", async () => {
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named());
    await importNamed(store, runner, "base");
    const job = await importNamed(store, runner, "base", { maxTokens: 128 });
    expect(job.counts).toMatchObject({ unchanged: 0, changed: before.size });
    const small = await store.chunks.list(TENANT, { library: true, limit: 100_000 });
    expect(small.every((c: Chunk) => c.tokens <= 128)).toBe(true);
    expect(byConversation(small).size).toBe(before.size);
  });

  it("a user's own chunk sink is told through upsert and delete, and ends as a fresh import's", async () => {
    const held = new Map<string, Chunk>();
    const sink: ChunkSink = {
      async upsert(_tenant, chunks) {
        for (const c of chunks) held.set(c.id, c);
      },
      async delete(_tenant, ids) {
        for (const id of ids) held.delete(id);
      },
    };
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named(), { sink: { chunks: sink } });
    await importNamed(store, runner, "base");
    await importNamed(store, runner, "next", { missing: "delete" });
    expect([...held.keys()].sort()).toEqual(flat(after));
  });

  it("a user's chunk sink without delete fails the re-import with SINK_CANNOT_DELETE before writing stale state", async () => {
    const held = new Set<string>();
    const sink: ChunkSink = {
      async upsert(_tenant, chunks) {
        for (const c of chunks) held.add(c.id);
      },
    };
    const store = createMemoryAdapter();
    const runner = reimportRunner(store, named(), { sink: { chunks: sink } });
    await importNamed(store, runner, "base");
    const job = await importNamed(store, runner, "next");
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "JOB_CONFIGURATION" });
    expect(job.error?.message).toContain("delete");
  });
});
