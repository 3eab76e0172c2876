import { afterEach, describe, expect, it } from "vitest";
import { conversation, prose } from "../../test/support/chunk-test-helpers.js";
import { createChunker } from "../chunk/chunker.js";
import { createImportChunkerPool, type NodeImportChunkerPool } from "./import-chunker-pool.js";

let pools: NodeImportChunkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});
const make = (options: Parameters<typeof createImportChunkerPool>[0]) => {
  const pool = createImportChunkerPool(options);
  pools.push(pool);
  return pool;
};

describe("createImportChunkerPool", () => {
  it("lends chunkers that give the chunks of createChunker with the same settings", async () => {
    const pool = make({ threads: 1 });
    const settings = { maxTokens: 64, overlapTokens: 8, tokenizer: "cl100k_base" as const };
    const lent = pool.acquire(settings)!;
    const conv = conversation([prose(400, 3), prose(200, 4)]);
    expect(await lent.chunk(conv)).toEqual([...createChunker(settings).chunk(conv)]);
    lent.release();
    lent.release();
  });

  it("declines a tokenizer object (it cannot cross to a worker thread)", () => {
    const pool = make({ threads: 1 });
    expect(pool.acquire({ tokenizer: { count: (t: string) => t.length } })).toBeNull();
  });

  it("keeps an idle pool warm for idleMs, then closes it; close() stops every pool", async () => {
    const pool = make({ threads: 1, idleMs: 50 });
    const conv = conversation([prose(100, 1)]);
    const first = pool.acquire({ maxTokens: 100 })!;
    await first.chunk(conv);
    first.release();
    // Taken again within idleMs: the same pool, no longer on its idle timer while it is lent.
    const second = pool.acquire({ maxTokens: 100 })!;
    await new Promise((r) => setTimeout(r, 120));
    expect((await second.chunk(conv)).length).toBeGreaterThan(0);
    second.release();
    await new Promise((r) => setTimeout(r, 120));
    await expect(second.chunk(conv)).rejects.toThrow(/closed/);
    const third = pool.acquire({ maxTokens: 100 })!;
    expect((await third.chunk(conv)).length).toBeGreaterThan(0);
    await pool.close();
    await expect(third.chunk(conv)).rejects.toThrow(/closed/);
  });

  it("validates threads", () => {
    expect(() => createImportChunkerPool({ threads: 0 })).toThrow(RangeError);
    expect(() => createImportChunkerPool({ threads: 1.5 })).toThrow(RangeError);
  });
});
