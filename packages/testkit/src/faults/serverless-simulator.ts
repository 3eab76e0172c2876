import type { Adapter, Runner, WorkResult } from "@threadmill/core";
import { createFaultyAdapter, type KillPoint } from "./faulty-adapter.js";

/** Options of `simulateServerless`. */
export interface ServerlessSimulatorOptions {
  /** The shared store every invocation talks to. */
  readonly store: Adapter;
  /** Makes a fresh runner for one invocation (a cold start) on the store view it is given. */
  readonly createRunner: (store: Adapter) => Runner;
  /** The platform's time limit per invocation (ms), or a function of the invocation number (from 0). */
  readonly sliceMs: number | ((invocation: number) => number);
  /** An invocation still running this long after its deadline is killed (ms). @default 0 */
  readonly overrunMs?: number;
  /** Pause between invocations, as a cron or a self-chained route would leave (ms). @default 0 */
  readonly intervalMs?: number;
  /** Injected crashes: for an invocation, the store call (from 1) at which its process dies, or `null`. */
  readonly killAt?: (invocation: number) => { readonly call: number; readonly when: KillPoint } | null;
  /** Stops when this says so, for example when the job is terminal. */
  readonly done: () => Promise<boolean> | boolean;
  /** Gives up after this many invocations. @default 1000 */
  readonly maxInvocations?: number;
}

/** What the simulator saw. */
export interface ServerlessSimulation {
  readonly invocations: number;
  /** Invocations killed at their hard limit (they overran it) or at an injected kill point. */
  readonly killed: number;
  /** Results of the invocations that returned in time. */
  readonly results: readonly WorkResult[];
  /** Whether `done()` said so before `maxInvocations`. */
  readonly finished: boolean;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A serverless platform in a test: invokes `runner.work({ deadline })` again and again, each time on
 * a fresh runner (a cold start) with a hard time limit; an invocation that overruns it, or that
 * reaches an injected kill point, is frozen for good (its store calls never settle again), exactly
 * as a platform kills a function. Returns when `done()` holds.
 */
export async function simulateServerless(options: ServerlessSimulatorOptions): Promise<ServerlessSimulation> {
  const maxInvocations = options.maxInvocations ?? 1000;
  const overrunMs = options.overrunMs ?? 0;
  const results: WorkResult[] = [];
  let invocations = 0;
  let killed = 0;
  while (invocations < maxInvocations) {
    if (await options.done()) return { invocations, killed, results, finished: true };
    const slice = typeof options.sliceMs === "function" ? options.sliceMs(invocations) : options.sliceMs;
    const kill = options.killAt?.(invocations) ?? null;
    invocations += 1;
    const view = createFaultyAdapter(options.store, kill ? { killAt: kill } : {});
    const runner = options.createRunner(view.adapter);
    const deadline = Date.now() + slice;
    const outcome = await Promise.race([
      runner.work({ deadline }),
      delay(slice + overrunMs).then(() => "overrun" as const),
    ]);
    if (outcome === "overrun" || view.killed) {
      view.kill();
      killed += 1;
    } else {
      results.push(outcome);
    }
    if (options.intervalMs) await delay(options.intervalMs);
  }
  return { invocations, killed, results, finished: await options.done() };
}
