import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LimitsFleet } from "./limits-fleet.js";
import type { LimitsPhase, LimitsPhaseResults } from "./limits-phases.js";

/** How long a worker may take to start (tsx compiles the adapter's sources) or to run one phase. */
const START_TIMEOUT_MS = 20_000;
const PHASE_TIMEOUT_MS = 20_000;

// In the CJS build, tsup's shim provides import.meta.url.
const moduleDir = () => dirname(fileURLToPath(import.meta.url));

/** The worker script beside this module: `.ts` in the sources, `.js` in the build. */
function workerScript(): string {
  const here = moduleDir();
  const candidates = [join(here, "limits-worker.ts"), join(here, "limits-worker.js")];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`limits conformance: no worker script in ${here}`);
  return found;
}

/** In this repo, the hook that loads adapter-redis' `.lua` imports as text under tsx. */
function repoHooks(): string[] {
  let dir = moduleDir();
  for (let i = 0; i < 6; i += 1) {
    const hook = join(dir, "scripts", "register-lua-text.mjs");
    if (existsSync(hook)) return ["--import", hook];
    dir = dirname(dir);
  }
  return [];
}

interface Worker {
  readonly index: number;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  stderr: string;
  exited: boolean;
}

function startWorker(index: number, processModule: string, skewMs: number): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", ...repoHooks(), workerScript()], {
    // tsx maps `@threadmill/*` by the tsconfig it finds from here up, as the adapter's own tests do.
    cwd: dirname(processModule),
    env: {
      ...process.env,
      THREADMILL_LIMITS_MODULE: processModule,
      THREADMILL_LIMITS_CLOCK_SKEW_MS: String(skewMs),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const worker: Worker = { index, child, ready, pending: new Map(), stderr: "", exited: false };
  const failure = (what: string) =>
    new Error(
      `limits conformance: worker ${index} ${what}; its stderr ends with:\n${worker.stderr.slice(-2000)}`,
    );
  let buffer = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (data: string) => {
    buffer += data;
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // the adapter's own output
      }
      if (message.tm !== "limits") continue;
      if (message.ready === true) markReady();
      const waiter = worker.pending.get(message.id as number);
      if (!waiter) continue;
      worker.pending.delete(message.id as number);
      if (typeof message.error === "string") waiter.reject(failure(`failed its phase: ${message.error}`));
      else waiter.resolve(message.result);
    }
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (data: string) => {
    worker.stderr = (worker.stderr + data).slice(-8000);
  });
  child.stdin?.on("error", () => {}); // a killed worker's pipe
  child.once("exit", (code, signal) => {
    worker.exited = true;
    const error = failure(`exited (${signal ?? code})`);
    failReady(error);
    for (const waiter of worker.pending.values()) waiter.reject(error);
    worker.pending.clear();
  });
  const timer = setTimeout(
    () => failReady(failure(`did not start within ${START_TIMEOUT_MS} ms`)),
    START_TIMEOUT_MS,
  );
  void ready.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return worker;
}

let nextId = 0;

function send<P extends LimitsPhase>(worker: Worker, phase: P): Promise<LimitsPhaseResults[P["kind"]]> {
  if (worker.exited) return Promise.reject(new Error(`limits conformance: worker ${worker.index} is gone`));
  nextId += 1;
  const id = nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.pending.delete(id);
      reject(
        new Error(
          `limits conformance: worker ${worker.index} ran ${phase.kind} for over ${PHASE_TIMEOUT_MS} ms`,
        ),
      );
    }, PHASE_TIMEOUT_MS);
    worker.pending.set(id, {
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value as LimitsPhaseResults[P["kind"]]);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    worker.child.stdin?.write(`${JSON.stringify({ id, phase })}\n`);
  });
}

/**
 * Starts one child process per entry of `skewsMs` (each with its wall clock shifted by that much),
 * each opening the stores through `processModule`, and resolves once all of them are ready.
 */
export async function startChildFleet(
  processModule: string,
  skewsMs: readonly number[],
): Promise<LimitsFleet> {
  const workers = skewsMs.map((skewMs, index) => startWorker(index, processModule, skewMs));
  const stop = async (worker: Worker, signal: NodeJS.Signals) => {
    if (worker.exited) return;
    const exited = new Promise((resolve) => worker.child.once("exit", resolve));
    if (signal === "SIGKILL") worker.child.kill("SIGKILL");
    else worker.child.stdin?.end();
    const timer = setTimeout(() => worker.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    await Promise.all(workers.map((worker) => stop(worker, "SIGKILL")));
    throw error;
  }
  return {
    separate: true,
    size: workers.length,
    // Every worker is ready and idle, so writing the phase to each stdin releases them together.
    runAll(phaseOf) {
      return Promise.all(workers.map((worker) => send(worker, phaseOf(worker.index))));
    },
    runOne: (index, phase) => send(workers[index]!, phase),
    kill: (index) => stop(workers[index]!, "SIGKILL"),
    close: async () => {
      await Promise.all(workers.map((worker) => stop(worker, "SIGTERM")));
    },
  };
}
