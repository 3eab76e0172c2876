// A closed-loop load of `inFlight` callers, each starting its next check as soon as its last one
// returns: checks/s over a timed window after a warm-up (connections opened, scripts loaded, plans
// cached), and the latency of every check that started and ended inside the window.
import type { Metrics } from "../harness.js";

/** What one load reports, plus how many checks ran in all (warm-up included), for per-check counts. */
export interface CheckLoad {
  readonly metrics: Metrics;
  readonly checks: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * Runs `check` from `inFlight` callers for `warmupMs + windowMs`; metrics are suffixed with ` @<inFlight>`.
 * A check that throws fails the load: every check here is meant to be admitted.
 */
export async function runCheckLoad(
  check: () => Promise<unknown>,
  inFlight: number,
  windowMs: number,
  warmupMs: number,
): Promise<CheckLoad> {
  const latencies: number[] = [];
  let inWindow = 0;
  let checks = 0;
  const t0 = performance.now() + warmupMs;
  const t1 = t0 + windowMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (;;) {
        const started = performance.now();
        if (started >= t1) return;
        await check();
        const ended = performance.now();
        checks++;
        if (ended >= t0 && ended < t1) inWindow++;
        if (started >= t0 && ended < t1) latencies.push(ended - started);
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  const at = ` @${inFlight}`;
  return {
    checks,
    metrics: {
      [`checks/s${at}`]: inWindow / (windowMs / 1000),
      [`median µs${at}`]: percentile(sorted, 0.5) * 1000,
      [`p99 µs${at}`]: percentile(sorted, 0.99) * 1000,
    },
  };
}
