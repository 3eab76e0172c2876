import type { WorkResult } from "@threadmill/core";
import { appRunner } from "./runner";

/**
 * The length of one slice of work: the route's `maxDuration`, or `THREADMILL_SLICE_MS` (tests, and
 * `next start`, which enforces no `maxDuration`). The runner stops a safety margin before the end and
 * never starts a unit it cannot finish, so a slice killed at `maxDuration` loses at most its unit.
 */
export function sliceMs(maxDurationS: number): number {
  return Number(process.env.THREADMILL_SLICE_MS) || maxDurationS * 1000;
}

/** Works on claimable jobs until the slice's deadline or until none is left. */
export async function runSlice(startedAt: number, maxDurationS: number): Promise<WorkResult> {
  const length = sliceMs(maxDurationS);
  // The margin covers the response, the checkpoint and the chained call after the runner returns.
  const margin = Math.min(5_000, length * 0.1);
  const runner = await appRunner();
  return runner.work({ deadline: startedAt + length - margin });
}

/** The secret the app's own chained calls carry (the cron's when set). */
export function workSecret(): string {
  const secret = process.env.WORK_SECRET ?? process.env.CRON_SECRET;
  if (secret) return secret;
  if (process.env.VERCEL) throw new Error("WORK_SECRET (or CRON_SECRET) must be set on Vercel.");
  return "threadmill-example-development-work-secret";
}

/**
 * Starts the next slice in a new invocation when this one stopped at its deadline with work left.
 * A chain that breaks (a failed call, a crashed instance) is restarted by the cron route.
 */
export async function chainIfBusy(result: WorkResult, origin: string): Promise<void> {
  if (result.reason !== "deadline") return;
  const base = process.env.APP_URL ?? origin;
  try {
    await fetch(new URL("/api/work", base), {
      method: "POST",
      headers: { authorization: `Bearer ${workSecret()}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    console.warn(
      "[threadmill-example] could not chain the next slice; the cron will:",
      (error as Error).name,
    );
  }
}

/** Runs one slice and chains the next: what `after()` does in the import, work and cron routes. */
export async function sliceAndChain(startedAt: number, maxDurationS: number, origin: string): Promise<void> {
  const result = await runSlice(startedAt, maxDurationS);
  await chainIfBusy(result, origin);
}
