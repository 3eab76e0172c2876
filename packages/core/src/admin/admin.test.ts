import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it } from "vitest";
import { createImportPipeline } from "../pipeline/import-pipeline.js";
import { createRunner } from "../pipeline/runner.js";
import type { Adapter } from "../ports/adapter.js";
import type { ChunkStore } from "../ports/chunk-store.js";
import { cleanupJobs } from "./cleanup-jobs.js";
import { checkReadiness } from "./check-readiness.js";
import { redriveJobs } from "./redrive-jobs.js";

async function failedJob(
  adapter: Adapter,
  tenant: string,
  code = "X",
  extra: { singletonKey?: string } = {},
) {
  const { job } = await adapter.jobs.create({
    tenant,
    pipeline: "import",
    input: { kind: "file", path: "x" },
    ...extra,
  });
  const claim = await adapter.queue.claim("w", 30_000, { tenant, jobId: job.id });
  await adapter.queue.deadLetter(claim!.lease, { code, name: "Error", message: "boom", retriable: false });
  return job.id;
}

describe("redriveJobs", () => {
  it("puts failed jobs of every tenant back once; a dry run changes nothing", async () => {
    const adapter = createMemoryAdapter();
    const ids = [
      await failedJob(adapter, "a"),
      await failedJob(adapter, "b"),
      await failedJob(adapter, "b", "STORAGE"),
    ];
    const dry = await redriveJobs(adapter, { dryRun: true });
    expect(dry.redriven.map((j) => j.id).sort()).toStrictEqual([...ids].sort());
    expect((await adapter.jobs.get("a", ids[0]!))?.status).toBe("failed");

    const only = await redriveJobs(adapter, { errorCode: "STORAGE" });
    expect(only.redriven.map((j) => [j.id, j.status])).toStrictEqual([[ids[2], "queued"]]);
    const rest = await redriveJobs(adapter);
    expect(rest.redriven.map((j) => j.id).sort()).toStrictEqual([ids[0], ids[1]].sort());
    expect(rest.redriven.every((j) => j.status === "queued" && j.attempts === 0 && j.error === null)).toBe(
      true,
    );
    expect(await redriveJobs(adapter)).toStrictEqual({ redriven: [], skipped: [] });
  });

  it("filters by tenant, honours limit, and skips a job whose singleton key another active job holds", async () => {
    const adapter = createMemoryAdapter();
    const a = await failedJob(adapter, "a", "X", { singletonKey: "s" });
    await failedJob(adapter, "b");
    await adapter.jobs.create({
      tenant: "a",
      pipeline: "import",
      input: { kind: "file", path: "x" },
      singletonKey: "s",
    });
    const result = await redriveJobs(adapter, { tenant: "a" });
    expect(result.redriven).toStrictEqual([]);
    expect(result.skipped.map((s) => [s.job.id, s.reason])).toStrictEqual([[a, "singleton"]]);
    expect((await redriveJobs(adapter, { limit: 0 })).redriven).toStrictEqual([]);
    await expect(redriveJobs(adapter, { limit: -1 })).rejects.toThrow(RangeError);
  });
});

describe("cleanupJobs and runner.cleanup", () => {
  it("removes old finished jobs in batches and cleans sinks held by another store, keeping their library", async () => {
    const store = createMemoryAdapter();
    const elsewhere = createMemoryAdapter();
    const calls: unknown[][] = [];
    const chunks: ChunkStore = {
      ...elsewhere.chunks,
      purgeJob: async (...args) => {
        calls.push(args);
      },
    };
    const runner = createRunner({ store, sink: { chunks }, pipelines: { import: createImportPipeline() } });
    const ids = [await failedJob(store, "a"), await failedJob(store, "b"), await failedJob(store, "b")];
    const { job: queued } = await store.jobs.create({
      tenant: "a",
      pipeline: "import",
      input: { kind: "file", path: "x" },
    });

    const result = await runner.cleanup({ olderThanMs: 0, batch: 2 });
    expect(result.jobs).toBe(3);
    expect(result.removed.map((r) => r.jobId).sort()).toStrictEqual([...ids].sort());
    expect(calls.map(([tenant, jobId, options]) => [tenant, jobId, options]).sort()).toStrictEqual(
      result.removed.map((r) => [r.tenant, r.jobId, { keepLibrary: true }]).sort(),
    );
    expect(await store.jobs.get("a", queued.id)).not.toBeNull();
    expect(await store.jobs.get("a", ids[0]!)).toBeNull();
    expect(await cleanupJobs(store, { olderThanMs: 0 })).toStrictEqual({ jobs: 0, removed: [] });
  });

  it("stops between batches when its signal aborts, and needs the admin port", async () => {
    const store = createMemoryAdapter();
    await failedJob(store, "a");
    await expect(cleanupJobs(store, { olderThanMs: 0, signal: AbortSignal.abort() })).rejects.toThrow();
    expect((await store.admin!.find()).length).toBe(1);
    const { admin: _admin, ...bare } = store;
    await expect(cleanupJobs(bare as Adapter, { olderThanMs: 0 })).rejects.toThrow(TypeError);
  });
});

describe("checkReadiness", () => {
  it("is ready when the store answers", async () => {
    const adapter = createMemoryAdapter();
    expect(await checkReadiness(adapter)).toMatchObject({ ready: true });
  });

  it("is not ready, with a redacted reason, when the store fails, hangs or lacks migrations", async () => {
    const base = createMemoryAdapter();
    const failing: Adapter = {
      ...base,
      admin: {
        ...base.admin!,
        check: () => Promise.reject(new Error("connect ECONNREFUSED redis://:hunter2@10.0.0.1:6379")),
      },
    };
    const failed = await checkReadiness(failing);
    expect(failed.ready).toBe(false);
    expect(failed.reason).toContain("ECONNREFUSED");
    expect(failed.reason).not.toContain("hunter2");

    const hanging: Adapter = { ...base, admin: { ...base.admin!, check: () => new Promise(() => {}) } };
    expect(await checkReadiness(hanging, { timeoutMs: 50 })).toMatchObject({
      ready: false,
      reason: expect.stringContaining("50 ms"),
    });

    const behind: Adapter = {
      ...base,
      admin: { ...base.admin!, check: async () => ({ migrations: { applied: 5, expected: 7 } }) },
    };
    expect(await checkReadiness(behind)).toMatchObject({
      ready: false,
      reason: "2 of 7 migrations not applied",
    });
  });

  it("falls back to a read when the adapter has no admin port", async () => {
    const { admin: _admin, ...rest } = createMemoryAdapter();
    expect(await checkReadiness(rest as Adapter)).toMatchObject({ ready: true });
  });
});
