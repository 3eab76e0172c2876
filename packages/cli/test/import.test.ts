import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  deleteRedisKeys,
  EXAMPLES,
  IN_CI,
  jsonLines,
  redisUp,
  runBin,
  startBin,
  tempDir,
  waitForOutput,
} from "./helpers.js";

const REAL = new URL("../../../../shared/fixtures/real/", import.meta.url).pathname;
const CHATGPT = join(REAL, "chatgpt-2023-anonymized-41-branches-kanchimoe.json");
const CLAUDE = join(REAL, "claude-2025-real-tooluse-wrapped-now2ai.json");
const present = existsSync(CHATGPT) && existsSync(CLAUDE);
if (!present && IN_CI)
  throw new Error(`[cli tests] the real fixtures are missing under ${REAL} (required when CI=true)`);

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => dir?.cleanup());

describe("the sample exports in examples/data", { timeout: 180_000 }, () => {
  it("import both on the default store (./.threadmill in the working directory); --verbose lists each issue", async () => {
    const cwd = join(dir.path, "samples");
    mkdirSync(cwd);
    const chatgpt = await runBin(["import", join(EXAMPLES, "chatgpt-export.zip"), "--json", "--verbose"], {
      cwd,
    });
    expect(chatgpt.code).toBe(0);
    const a = jsonLines(chatgpt.stdout).at(-1)!;
    // The generator's ground truth for this sample: 96 conversations, 1,899 visible messages.
    expect(a).toMatchObject({ type: "summary", status: "succeeded", conversations: 96, messages: 1899 });
    expect(a.issues as number).toBeGreaterThan(0);
    const listed = chatgpt.stderr.split("\n").filter((l) => l.startsWith("issue: "));
    expect(listed).toHaveLength(a.issues as number);

    const claude = await runBin(["import", join(EXAMPLES, "claude-export.zip"), "--json"], { cwd });
    expect(claude.code).toBe(0);
    expect(claude.stderr).toBe("");
    expect(jsonLines(claude.stdout).at(-1)).toMatchObject({ status: "succeeded", conversations: 45 });
    expect(existsSync(join(cwd, ".threadmill", "pgdata", "PG_VERSION"))).toBe(true);
    const status = JSON.parse((await runBin(["status", "--json"], { cwd })).stdout) as { status: string }[];
    expect(status.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
  });
});

describe.skipIf(!present)(
  "import on the embedded store (real fixtures from ../shared/fixtures)",
  { timeout: 180_000 },
  () => {
    it("--json: progress events, then a summary that matches what export prints; a re-run does no new work", async () => {
      const store = join(dir.path, "store-json");
      const r = await runBin(["import", CHATGPT, "--store", store, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const lines = jsonLines(r.stdout);
      const summary = lines.at(-1)!;
      expect(summary).toMatchObject({ type: "summary", status: "succeeded", issues: 0 });
      expect(summary.conversations).toBeGreaterThan(0);
      expect(summary.chunks).toBeGreaterThan(0);
      const events = lines.slice(0, -1);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["queued", "started", "stage", "progress", "succeeded"]),
      );
      expect(events.at(-1)!.type).toBe("succeeded");
      const jobId = summary.jobId as string;

      const chunks = await runBin(["export", jobId, "--what", "chunks", "--store", store]);
      expect(chunks.code).toBe(0);
      const chunkLines = jsonLines(chunks.stdout);
      expect(chunkLines).toHaveLength(summary.chunks as number);
      expect(new Set(chunkLines.map((c) => c.id)).size).toBe(chunkLines.length);
      for (const c of chunkLines) {
        expect(Object.keys(c).sort()).toEqual(
          [
            "branchId",
            "conversationId",
            "endAt",
            "id",
            "index",
            "messageIds",
            "overlap",
            "startAt",
            "text",
            "tokens",
          ].sort(),
        );
        expect(c.tokens as number).toBeLessThanOrEqual(512);
      }
      const conversations = await runBin(["export", jobId, "--what", "conversations", "--store", store]);
      const conversationLines = jsonLines(conversations.stdout);
      expect(conversationLines).toHaveLength(summary.conversations as number);
      const messages = conversationLines.reduce((n, c) => n + (c.messages as unknown[]).length, 0);
      expect(messages).toBe(summary.messages);
      for (const c of conversationLines) {
        expect(c.source).toBe("chatgpt");
        if (c.createdAt !== null) expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      }

      // The same command again: the existing summary at once, no new job, no new events.
      const eventsBefore = jsonLines((await runBin(["events", jobId, "--store", store])).stdout);
      const again = await runBin(["import", CHATGPT, "--store", store, "--json"]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`already imported as job ${jobId}`);
      expect(jsonLines(again.stdout)).toEqual([summary]);
      const eventsAfter = jsonLines((await runBin(["events", jobId, "--store", store])).stdout);
      expect(eventsAfter).toEqual(eventsBefore);
      const status = JSON.parse((await runBin(["status", "--store", store, "--json"])).stdout) as unknown[];
      expect(status).toHaveLength(1);
      expect(status[0]).toMatchObject({
        jobId,
        tenant: "local",
        status: "succeeded",
        counts: { conversations: summary.conversations, chunks: summary.chunks },
        error: null,
      });

      // Options that change the output make another job.
      const smaller = await runBin([
        "import",
        CHATGPT,
        "--store",
        store,
        "--json",
        "--max-tokens",
        "128",
        "--overlap",
        "16",
      ]);
      expect(smaller.code).toBe(0);
      const smallerSummary = jsonLines(smaller.stdout).at(-1)!;
      expect(smallerSummary.jobId).not.toBe(jobId);
      expect(smallerSummary.chunks as number).toBeGreaterThan(summary.chunks as number);
    });

    it("a Claude export, with --tenant, Markdown exports, events, cancel of a finished job, and purge", async () => {
      const store = join(dir.path, "store-claude");
      const r = await runBin(["import", CLAUDE, "--store", store, "--tenant", "alice", "--json"]);
      expect(r.code).toBe(0);
      const summary = jsonLines(r.stdout).at(-1)!;
      expect(summary).toMatchObject({ status: "succeeded" });
      const jobId = summary.jobId as string;

      // Another tenant sees nothing of it.
      expect((await runBin(["status", jobId, "--store", store])).code).toBe(2);
      const md = await runBin([
        "export",
        jobId,
        "--what",
        "conversations",
        "--format",
        "md",
        "--store",
        store,
        "--tenant",
        "alice",
      ]);
      expect(md.code).toBe(0);
      expect(md.stdout.match(/^## /gm)).toHaveLength(summary.conversations as number);
      expect(md.stdout).toContain("**User**");
      expect(md.stdout).toContain("**Assistant**");
      const chunkMd = await runBin([
        "export",
        jobId,
        "--what",
        "chunks",
        "--format",
        "md",
        "--store",
        store,
        "--tenant",
        "alice",
      ]);
      expect(chunkMd.stdout.match(/^### Chunk \d+ /gm)).toHaveLength(summary.chunks as number);

      const events = await runBin(["events", jobId, "--follow", "--store", store, "--tenant", "alice"]);
      expect(events.code).toBe(0);
      expect(jsonLines(events.stdout).at(-1)!.type).toBe("succeeded");

      const cancel = await runBin(["cancel", jobId, "--store", store, "--tenant", "alice"]);
      expect(cancel.code).toBe(0);
      expect(cancel.stdout).toContain("already ended as succeeded");

      const purge = await runBin(["purge", jobId, "--store", store, "--tenant", "alice"]);
      expect(purge.code).toBe(0);
      expect((await runBin(["status", jobId, "--store", store, "--tenant", "alice"])).code).toBe(2);
    });
  },
);

const REDIS_URL = "redis://127.0.0.1:6379/0";
const redisAvailable = await redisUp(REDIS_URL);
if (!redisAvailable && IN_CI)
  throw new Error(`[cli tests] Redis is not reachable at ${REDIS_URL} (required when CI=true)`);

describe.skipIf(!present || !redisAvailable)(
  "import --detach and worker on a redis:// store",
  { timeout: 180_000 },
  () => {
    it("--detach queues the job; a worker serves it; SIGTERM stops the worker (143); purge --all", async () => {
      const prefix = `tm-cli-test-${process.pid}-${Date.now()}`;
      const store = `${REDIS_URL}?prefix=${prefix}`;
      try {
        const queued = await runBin(["import", CLAUDE, "--store", store, "--detach"]);
        expect(queued.stderr).toContain("queued job");
        expect(queued.code).toBe(0);
        const line = jsonLines(queued.stdout);
        expect(line).toHaveLength(1);
        expect(line[0]).toMatchObject({ type: "summary", status: "queued", conversations: 0, chunks: 0 });
        const jobId = line[0]!.jobId as string;

        const worker = startBin(["worker", "--store", store, "--concurrency", "2"]);
        try {
          await waitForOutput(worker, (o) => o.stderr.includes("serving"));
          const events = await runBin(["events", jobId, "--follow", "--store", store], {
            timeoutMs: 120_000,
          });
          expect(events.code).toBe(0);
          expect(jsonLines(events.stdout).at(-1)!.type).toBe("succeeded");
        } finally {
          worker.kill("SIGTERM");
        }
        const ended = await worker.done;
        expect(ended.code).toBe(143);
        expect(ended.stderr).toContain("worker stopped");
        const status = JSON.parse((await runBin(["status", jobId, "--store", store, "--json"])).stdout);
        expect(status).toMatchObject({ jobId, status: "succeeded" });
        expect(status.counts.chunks).toBeGreaterThan(0);

        const purge = await runBin(["purge", "--all", "--store", store]);
        expect(purge.code).toBe(0);
        expect(purge.stdout).toContain("purged 1 job");
        expect(JSON.parse((await runBin(["status", "--store", store, "--json"])).stdout)).toEqual([]);
      } finally {
        await deleteRedisKeys(REDIS_URL, prefix);
      }
    });
    it("a re-run re-queues a cancelled job and says so; a failed (unusable input) job is retried, fails again, exit 2", async () => {
      const prefix = `tm-cli-test-${process.pid}-${Date.now()}-retry`;
      const store = `${REDIS_URL}?prefix=${prefix}`;
      const notes = join(dir.path, "notes.txt");
      writeFileSync(notes, "not an export\n");
      try {
        const queued = jsonLines((await runBin(["import", CLAUDE, "--store", store, "--detach"])).stdout)[0]!;
        const cancel = await runBin(["cancel", queued.jobId as string, "--store", store]);
        expect(cancel.code).toBe(0);
        expect(cancel.stdout).toContain("is cancelled");
        const again = await runBin(["import", CLAUDE, "--store", store, "--json"]);
        expect(again.stderr).toContain(
          `job ${queued.jobId} had been cancelled; re-queued it to resume from its checkpoint`,
        );
        expect(again.code).toBe(0);
        expect(jsonLines(again.stdout).at(-1)).toMatchObject({ jobId: queued.jobId, status: "succeeded" });

        const failed = await runBin(["import", notes, "--store", store, "--json"]);
        expect(failed.code).toBe(2);
        const failedJob = jsonLines(failed.stdout).at(-1)!;
        expect(failedJob).toMatchObject({ status: "failed" });
        const status = JSON.parse(
          (await runBin(["status", failedJob.jobId as string, "--store", store, "--json"])).stdout,
        );
        expect(status.error).toMatchObject({ code: "EXPORT_FORMAT", retriable: false });
        const retried = await runBin(["import", notes, "--store", store, "--json"]);
        expect(retried.stderr).toContain(`job ${failedJob.jobId} had failed; re-queued it`);
        expect(retried.code).toBe(2);
      } finally {
        await deleteRedisKeys(REDIS_URL, prefix);
      }
    });
    it("--threads 0 (main thread) and --threads 2 (worker threads) store exactly the same chunks", async () => {
      const exported: Record<string, unknown>[][] = [];
      const summaries: Record<string, unknown>[] = [];
      for (const threads of ["0", "2"]) {
        const prefix = `tm-cli-test-${process.pid}-${Date.now()}-threads-${threads}`;
        const store = `${REDIS_URL}?prefix=${prefix}`;
        try {
          const r = await runBin(["import", CHATGPT, "--store", store, "--json", "--threads", threads]);
          expect(r.code, r.stderr).toBe(0);
          const summary = jsonLines(r.stdout).at(-1)!;
          expect(summary).toMatchObject({ status: "succeeded" });
          summaries.push(summary);
          const chunks = await runBin([
            "export",
            summary.jobId as string,
            "--what",
            "chunks",
            "--store",
            store,
          ]);
          exported.push(jsonLines(chunks.stdout).sort((a, b) => String(a.id).localeCompare(String(b.id))));
        } finally {
          await deleteRedisKeys(REDIS_URL, prefix);
        }
      }
      const [, withPool] = summaries;
      const { jobId: _a, durationMs: _b, ...counts } = summaries[0]!;
      expect(withPool).toMatchObject(counts);
      expect(exported[0]!.length).toBeGreaterThan(0);
      expect(exported[1]).toEqual(exported[0]);
    });
    it("two identical imports started at once (a double-clicked upload) make one job; both end with its summary", async () => {
      const prefix = `tm-cli-test-${process.pid}-${Date.now()}-dup`;
      const store = `${REDIS_URL}?prefix=${prefix}`;
      try {
        const [a, b] = await Promise.all([
          runBin(["import", CLAUDE, "--store", store, "--json"]),
          runBin(["import", CLAUDE, "--store", store, "--json"]),
        ]);
        expect(a.code).toBe(0);
        expect(b.code).toBe(0);
        const sa = jsonLines(a.stdout).at(-1)!;
        const sb = jsonLines(b.stdout).at(-1)!;
        expect(sa).toMatchObject({ status: "succeeded" });
        expect(sb).toEqual(sa);
        const jobs = JSON.parse((await runBin(["status", "--store", store, "--json"])).stdout) as unknown[];
        expect(jobs).toHaveLength(1);
        const chunks = jsonLines(
          (await runBin(["export", sa.jobId as string, "--what", "chunks", "--store", store])).stdout,
        );
        expect(chunks).toHaveLength(sa.chunks as number);
        expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
      } finally {
        await deleteRedisKeys(REDIS_URL, prefix);
      }
    });
  },
);
