import { createUnitTimer, type UnitTimer } from "./unit-timer.js";

/** One `UnitTimer` per pipeline stage, shared by the claims of one runner. */
export interface StageTimers {
  /** The timer of one stage of one pipeline, created on first use. */
  timerFor(pipeline: string, stage: string): UnitTimer;
  /** The shortest time any unit is expected to take (ms): a claim with less time left is pointless. */
  minEstimate(): number;
}

/** Creates an empty set of stage timers. */
export function createStageTimers(): StageTimers {
  const timers = new Map<string, UnitTimer>();
  return {
    timerFor(pipeline, stage) {
      const key = `${pipeline}\u0000${stage}`;
      let timer = timers.get(key);
      if (!timer) {
        timer = createUnitTimer();
        timers.set(key, timer);
      }
      return timer;
    },
    minEstimate() {
      let min = Number.POSITIVE_INFINITY;
      for (const timer of timers.values()) min = Math.min(min, timer.estimate());
      return Number.isFinite(min) ? min : 0;
    },
  };
}
