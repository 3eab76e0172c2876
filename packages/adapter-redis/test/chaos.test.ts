// Chaos with real processes: 3 worker processes (runner + this adapter) import a generated ChatGPT
// export (the stock import pipeline, 4 conversations per unit) in many jobs while the test SIGKILLs, every 1-3 s, preferably the worker holding a live lease, and starts a
// replacement. CHAOS_KILLS (default 30) job-interrupting kills per run. Asserts every job succeeds
// with exactly the chunk ids of an uninterrupted reference run, no duplicate, every job terminal; and
// reports the time from each kill to the job's next claim. Also: SIGTERM hands the job over at once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyntheticPipeline } from "../../testkit/src/faults/synthetic-pipeline.js";
import { generateExport } from "../../testkit/src/generator/generate-export.js";
import { createRedisAdapter, type RedisAdapter } from "../src/index.js";
import {
  allJobs,
  median,
  sleep,
  spawnWorker,
  type WorkerProcess,
  type WorkerSettings,
} from "./chaos-harness.js";
import { clusterToolsAvailable } from "./redis-cluster.js";
import { type LocalRedis, startLocalRedis } from "./local-redis.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server is missing and CI=true: the chaos tests must run.");
}

const KILLS = Number(process.env.CHAOS_KILLS ?? 30);
const ITEMS = 30;
const BATCH = 4;
const TENANTS = ["alice", "bob {x}:"];

describe.skipIf(!available)("chaos: SIGKILLed worker processes", () => {
  let server: LocalRedis;
  let client: Redis;
  let dir: string;
  let exportPath: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await startLocalRedis();
    client = new Redis(server.url);
    dir = mkdtempSync(join(tmpdir(), "tm-chaos-"));
    exportPath = join(dir, "conversations.json");
    const parts: Uint8Array[] = [];
    const generated = generateExport({ format: "chatgpt-json", seed: 7, targetBytes: 800_000 });
    for await (const part of generated.bytes()) parts.push(part);
    writeFileSync(exportPath, Buffer.concat(parts));
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    client?.disconnect();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The uninterrupted reference run of the same export: chunk ids (by id) and conversation count. */
  async function referenceRun(): Promise<{ ids: string[]; conversations: number }> {
    const store = createRedisAdapter({ client, keyPrefix: "reference" });
    const runner = createRunner({
      store,
      pipelines: { import: createImportPipeline({ batchConversations: BATCH }) },
    });
    const { job } = await runner.submit({
      tenant: "ref",
      pipeline: "import",
      input: { kind: "file", path: exportPath },
    });
    const final = await runner.run("ref", job.id);
    expect(final?.status).toBe("succeeded");
    const ids = (await store.chunks.list("ref", { jobId: job.id, limit: 100_000 })).map((c) => c.id);
    const conversations = await store.conversations.count("ref", { jobId: job.id });
    await store.close();
    return { ids, conversations };
  }

  it(
    `survives ${KILLS} job-interrupting SIGKILLs with every job succeeded and chunk ids exactly the reference's`,
    async () => {
      const { ids: reference, conversations } = await referenceRun();
      expect(reference.length).toBeGreaterThan(100);
      const settings: WorkerSettings = {
        redisUrl: server.url,
        keyPrefix: "chaos",
        leaseMs: 2000,
        renewMs: 500,
        pollMs: 200,
        items: ITEMS,
        burnMs: 40,
        batch: BATCH,
      };
      const store: RedisAdapter = createRedisAdapter({ client, keyPrefix: "chaos" });
      const submitter = createRunner({ store, pipelines: { import: createImportPipeline() } });
      let seq = 0;
      const start = () => {
        const w = spawnWorker(`w${++seq}`, settings);
        workers.push(w);
        return w;
      };
      const live = new Map<string, WorkerProcess>();
      for (let i = 0; i < 3; i++) {
        const w = start();
        live.set(w.id, w);
      }
      await Promise.all([...live.values()].map((w) => w.ready));
      let submitted = 0;
      const submit = async (count: number) => {
        for (let i = 0; i < count; i++) {
          await submitter.submit({
            tenant: TENANTS[submitted++ % TENANTS.length]!,
            pipeline: "import",
            input: { kind: "file", path: exportPath },
            maxAttempts: 100,
          });
        }
      };
      await submit(3);

      type Kill = {
        at: number;
        jobId: string;
        tenant: string;
        epoch: number;
        leaseLeftMs: number;
        /** The job had checkpointed progress when its worker was killed (a resume, not a restart). */
        midJob: boolean;
        reclaimMs?: number;
        /** The job ended under the killed epoch: its worker finished it between our read and the kill. */
        finishedFirst?: boolean;
      };
      // A kill can land just after its job finished (the job was read as running a moment before):
      // such a kill interrupts nothing, so it is not counted: the loop kills until KILLS + SPARE kills
      // were not found finished first (the watcher tells within ~50 ms).
      const SPARE = 3;
      const kills: Kill[] = [];
      let otherKills = 0;
      const began = Date.now();
      // Until the kill loop is over and every kill is told: not by counting kills, since a kill the
      // watcher finds finished first after the loop ended would leave the count short for good.
      let killing = true;
      const watcher = (async () => {
        while (killing || kills.some((k) => k.reclaimMs === undefined && !k.finishedFirst)) {
          for (const kill of kills) {
            if (kill.reclaimMs !== undefined || kill.finishedFirst) continue;
            const job = await store.jobs.get(kill.tenant, kill.jobId);
            if (job && job.epoch > kill.epoch) kill.reclaimMs = Date.now() - kill.at;
            else if (job && job.epoch === kill.epoch && job.status === "succeeded") kill.finishedFirst = true;
          }
          await sleep(50);
          if (Date.now() - began > KILLS * 25_000 + 120_000) return;
        }
      })();

      /** Keeps as many active jobs as workers and returns a job whose worker holds a live lease, if any. */
      const findHeld = async (): Promise<Job | undefined> => {
        const jobs = await allJobs(store, TENANTS);
        const active = jobs.filter((j) => j.status === "queued" || j.status === "running");
        // As many active jobs as workers: a killed job then waits for a replacement, not for a
        // busy worker to finish another job.
        if (active.length < 3) await submit(3 - active.length);
        const now = Date.now();
        const held = jobs.filter(
          (j) =>
            j.status === "running" &&
            j.workerId !== null &&
            live.has(j.workerId) &&
            (j.leaseExpiresAt ?? 0) > now,
        );
        return held[Math.floor(Math.random() * held.length)];
      };
      while (kills.filter((k) => !k.finishedFirst).length < KILLS + SPARE) {
        await sleep(1000 + Math.random() * 2000);
        // A job of this export runs for about a second on an idle machine, so a single look after
        // the pause mostly finds every job finished: look again every 50 ms, for up to 5 s, until a
        // worker holds a lease.
        let target: Job | undefined;
        for (const until = Date.now() + 5000; !target && Date.now() < until; ) {
          target = await findHeld();
          if (!target) await sleep(50);
        }
        // Nobody held a lease all that time (replacements still starting): kill an idle worker only rarely.
        if (!target && Math.random() < 0.8) continue;
        const victim = target
          ? live.get(target.workerId!)!
          : [...live.values()][Math.floor(Math.random() * live.size)]!;
        victim.child.kill("SIGKILL");
        live.delete(victim.id);
        if (target)
          kills.push({
            at: Date.now(),
            jobId: target.id,
            tenant: target.tenant,
            epoch: target.epoch,
            leaseLeftMs: target.leaseExpiresAt! - Date.now(),
            midJob: Object.values(target.counts).some((n) => n > 0),
          });
        else otherKills++;
        const replacement = start();
        live.set(replacement.id, replacement);
      }
      killing = false;

      // Let every job finish, then stop the workers.
      let jobs: Job[] = [];
      for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
        jobs = await allJobs(store, TENANTS);
        if (jobs.every((j) => j.status === "succeeded" || j.status === "failed" || j.status === "cancelled"))
          break;
        await sleep(250);
      }
      await watcher;
      for (const w of live.values()) w.child.kill("SIGTERM");
      await Promise.all([...live.values()].map((w) => w.exited));

      const finishedFirst = kills.filter((k) => k.finishedFirst).length;
      const reclaim = kills.map((k) => k.reclaimMs).filter((v): v is number => v !== undefined);
      // After the lease runs out the job waits only for a free worker (the others are busy with other
      // jobs, the replacement is still starting).
      const afterExpiry = kills
        .filter((k) => k.reclaimMs !== undefined)
        .map((k) => Math.max(0, k.reclaimMs! - k.leaseLeftMs));
      console.log(
        `[chaos] ${reclaim.length} job-interrupting kills (${kills.filter((k) => k.midJob && k.reclaimMs !== undefined).length} after a checkpoint; +${otherKills} idle, +${finishedFirst} just after their job finished), ${jobs.length} jobs, ${Math.round((Date.now() - began) / 1000)} s; kill -> next claim: median ${median(reclaim)} ms, max ${Math.max(...reclaim)} ms (lease 2000 ms; lease left at the kill: median ${median(kills.map((k) => k.leaseLeftMs))} ms; wait for a free worker after expiry: median ${median(afterExpiry)} ms)`,
      );
      expect(jobs.length).toBe(submitted);
      for (const job of jobs) {
        expect(job.status, `job ${job.id}: ${JSON.stringify(job.error)}`).toBe("succeeded");
        const ids = (await store.chunks.list(job.tenant, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
        expect(ids).toStrictEqual(reference);
        expect(await store.chunks.count(job.tenant, { jobId: job.id })).toBe(reference.length);
        expect(await store.conversations.count(job.tenant, { jobId: job.id })).toBe(conversations);
      }
      // Every kill either interrupted a job that was then claimed again, or landed after it finished.
      expect(reclaim.length + finishedFirst).toBe(kills.length);
      expect(reclaim.length).toBeGreaterThanOrEqual(KILLS);
      // Generous bounds: the rest of the lease (<= 2 s) + polling + waiting for a free worker (3 workers,
      // replacements starting) + the runner's backoff between claims of a job that keeps crashing
      // (up to 60 s), on a loaded 2-core machine. Every killed job was claimed again (checked above).
      expect(median(reclaim)).toBeLessThan(15_000);
      expect(Math.max(...reclaim)).toBeLessThan(120_000);
      await store.close();
    },
    KILLS * 25_000 + 300_000,
  );

  it("SIGTERM: the worker checkpoints and releases, and another claims the job long before its lease would expire", async () => {
    const settings: WorkerSettings = {
      redisUrl: server.url,
      keyPrefix: "sigterm",
      leaseMs: 15_000,
      renewMs: 5000,
      pollMs: 1000,
      items: 200,
      burnMs: 40,
      graceMs: 5000,
    };
    const store = createRedisAdapter({ client, keyPrefix: "sigterm" });
    const submitter = createRunner({ store, pipelines: { synthetic: createSyntheticPipeline() } });
    const a = spawnWorker("term-a", settings);
    workers.push(a);
    await a.ready;
    const { job } = await submitter.submit({
      tenant: "t",
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    let current = job;
    while (current.status !== "running" || current.counts.conversations === undefined) {
      await sleep(50);
      current = (await store.jobs.get("t", job.id))!;
    }
    expect(current.workerId).toBe("term-a");
    const b = spawnWorker("term-b", settings);
    workers.push(b);
    await b.ready;
    const signalled = Date.now();
    a.child.kill("SIGTERM");
    let handedOver = 0;
    for (;;) {
      const now = (await store.jobs.get("t", job.id))!;
      if (now.workerId === "term-b") {
        handedOver = Date.now() - signalled;
        break;
      }
      if (Date.now() - signalled > 14_000) break;
      await sleep(20);
    }
    const code = await a.exited;
    const stoppedMs = Number(a.messages.find((m) => "stopped" in m)?.stopped);
    console.log(
      `[sigterm] worker released in ${stoppedMs} ms; another worker claimed the job ${handedOver} ms after the signal (lease 15000 ms, poll 1000 ms)`,
    );
    expect(code).toBe(143);
    expect(stoppedMs).toBeLessThan(5000);
    expect(handedOver).toBeGreaterThan(0);
    expect(handedOver).toBeLessThan(3000);
    b.child.kill("SIGTERM");
    await b.exited;
    await store.close();
  }, 60_000);
});
