/** Measures how long units take, to decide whether one more fits before a deadline. */
export interface UnitTimer {
  /** Records one finished unit's duration (ms). */
  record(durationMs: number): void;
  /** A pessimistic estimate of the next unit's duration (ms): 0 before any unit was measured. */
  estimate(): number;
}

/**
 * A unit timer over the last `window` units: the estimate is their maximum times `safety`, so a
 * deadline-bound worker never starts a unit it is unlikely to finish.
 */
export function createUnitTimer(options: { window?: number; safety?: number } = {}): UnitTimer {
  const window = options.window ?? 8;
  const safety = options.safety ?? 1.25;
  const recent: number[] = [];
  return {
    record(durationMs) {
      recent.push(durationMs);
      if (recent.length > window) recent.shift();
    },
    estimate() {
      return recent.length === 0 ? 0 : Math.max(...recent) * safety;
    },
  };
}
