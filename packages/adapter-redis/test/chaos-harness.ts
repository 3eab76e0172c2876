// Process management for the chaos tests: spawns chaos-worker.ts processes (node --import tsx), finds
// which one holds a live lease, kills by pid, and measures recovery.
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Adapter, Job } from "@threadmill/core";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
// The worker runs the adapter's sources, whose Lua scripts are `.lua` imports (loaded as text).
const luaText = join(packageDir, "..", "..", "scripts", "register-lua-text.mjs");

/** A running chaos worker. */
export interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves when the worker has started its runner. */
  readonly ready: Promise<void>;
  /** Lines the worker printed as JSON. */
  readonly messages: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** Settings passed to every worker. */
export interface WorkerSettings {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly pollMs: number;
  readonly items: number;
  readonly burnMs: number;
  readonly graceMs?: number;
  /** Conversations per import unit. @default 10 */
  readonly batch?: number;
}

/** Spawns one worker process. */
export function spawnWorker(id: string, settings: WorkerSettings): WorkerProcess {
  const args = ["--import", "tsx", "--import", luaText, join(packageDir, "test", "chaos-worker.ts")];
  const child = spawn(process.execPath, args, {
    cwd: packageDir,
    env: {
      ...process.env,
      REDIS_URL: settings.redisUrl,
      KEY_PREFIX: settings.keyPrefix,
      WORKER_ID: id,
      LEASE_MS: String(settings.leaseMs),
      RENEW_MS: String(settings.renewMs),
      POLL_MS: String(settings.pollMs),
      ITEMS: String(settings.items),
      BURN_MS: String(settings.burnMs),
      GRACE_MS: String(settings.graceMs ?? 5000),
      BATCH: String(settings.batch ?? 10),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const messages: Record<string, unknown>[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let buffer = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (data: string) => {
    buffer += data;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        const message = JSON.parse(line) as Record<string, unknown>;
        messages.push(message);
        if ("ready" in message) markReady();
      } catch {
        // not ours
      }
      newline = buffer.indexOf("\n");
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { id, child, ready, messages, exited };
}

/** Every job of the given tenants. */
export async function allJobs(store: Adapter, tenants: readonly string[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const tenant of tenants) jobs.push(...(await store.jobs.list(tenant, { limit: 10_000 })));
  return jobs;
}

/** Median of a list (0 when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
