import { StorageError } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { createMemoryAdapter } from "./memory-adapter.js";

const spec = (tenant: string) => ({ tenant, pipeline: "import", input: { kind: "file", path: "x.json" } });

describe("createMemoryAdapter", () => {
  it("names itself and declares blocking reads and fenced sinks", () => {
    const adapter = createMemoryAdapter();
    expect(adapter.name).toBe("memory");
    expect(adapter.capabilities).toStrictEqual({ blockingRead: true, fencedSinks: true });
    expect(adapter.chunks.fenced).toBe(true);
    expect(adapter.conversations.fenced).toBe(true);
    expect(adapter.facts?.fenced).toBe(true);
  });

  it("rejects an eventRetention that is not a positive integer", () => {
    expect(() => createMemoryAdapter({ eventRetention: 0 })).toThrow(RangeError);
    expect(() => createMemoryAdapter({ eventRetention: 2.5 })).toThrow(RangeError);
  });

  it("measures leases and runAt on the given clock", async () => {
    let now = 1_000_000;
    const adapter = createMemoryAdapter({ now: () => now });
    const { job } = await adapter.jobs.create(spec("t"));
    expect(job.createdAt).toBe(1_000_000);
    const first = await adapter.queue.claim("w1", 5_000);
    expect(first?.lease.expiresAt).toBe(1_005_000);
    now += 4_999;
    expect(await adapter.queue.claim("w2", 5_000)).toBeNull();
    now += 1;
    const second = await adapter.queue.claim("w2", 5_000);
    expect(second?.lease.epoch).toBe(2);
    await adapter.queue.release(second!.lease, { runAt: now + 60_000 });
    now += 59_999;
    expect(await adapter.queue.claim("w3", 5_000)).toBeNull();
    now += 1;
    expect((await adapter.queue.claim("w3", 5_000))?.lease.epoch).toBe(3);
  });

  it("close wakes pending long-polls with nothing, and later calls throw StorageError", async () => {
    const adapter = createMemoryAdapter();
    const { job } = await adapter.jobs.create(spec("t"));
    const started = Date.now();
    const pending = adapter.events.read("t", job.id, null, { waitMs: 10_000 });
    await adapter.close();
    expect(await pending).toStrictEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    await adapter.close();
    const error = await adapter.jobs.get("t", job.id).catch((e: unknown) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as StorageError).adapter).toBe("memory");
    await expect(adapter.queue.claim("w", 1_000)).rejects.toThrow(/closed/);
  });

  it("one append wakes 50 concurrent long-polls, and a later poll waits again", async () => {
    const adapter = createMemoryAdapter();
    const { job } = await adapter.jobs.create(spec("t"));
    const claim = (await adapter.queue.claim("w", 60_000))!;
    const reads = Array.from({ length: 50 }, () =>
      adapter.events.read("t", job.id, null, { waitMs: 30_000 }),
    );
    await adapter.events.append(claim.lease, { type: "progress", done: 1, attempt: 1, epoch: 1, at: 0 });
    for (const events of await Promise.all(reads)) expect(events).toHaveLength(1);
    const started = Date.now();
    expect(await adapter.events.read("t", job.id, "1", { waitMs: 50 })).toStrictEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await adapter.close();
  });
});
