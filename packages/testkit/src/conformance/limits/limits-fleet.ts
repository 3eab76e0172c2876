import type { OpenedLimitsStores } from "./limits-conformance-options.js";
import { type LimitsPhase, type LimitsPhaseResults, runLimitsPhase } from "./limits-phases.js";

/**
 * The participants of the multi-process cases: 4 child processes when the adapter gives a
 * `processModule`, else 4 concurrent stand-ins in this process sharing its opened stores.
 */
export interface LimitsFleet {
  /** Whether the participants are separate OS processes. */
  readonly separate: boolean;
  readonly size: number;
  /** Runs `phaseOf(index)` in every participant at once; results in participant order. */
  runAll<P extends LimitsPhase>(phaseOf: (index: number) => P): Promise<LimitsPhaseResults[P["kind"]][]>;
  /** Runs one phase in participant `index`. */
  runOne<P extends LimitsPhase>(index: number, phase: P): Promise<LimitsPhaseResults[P["kind"]]>;
  /** SIGKILLs participant `index` (in process: it is simply never used again). */
  kill(index: number): Promise<void>;
  close(): Promise<void>;
}

/** The timeout of a multi-process case, which may start the child processes (seconds on a small machine). */
export const FLEET_CASE_TIMEOUT_MS = 60_000;

/** How many participants run the multi-process cases. */
export const FLEET_SIZE = 4;

/** Each participant's wall-clock shift: two processes 2 s ahead of the other two. */
export const FLEET_SKEWS_MS: readonly number[] = [0, 2000, 0, 2000];

/** The stand-in fleet of one process: every participant runs on `stores()` concurrently. */
export function createInProcessFleet(stores: () => OpenedLimitsStores): LimitsFleet {
  return {
    separate: false,
    size: FLEET_SIZE,
    runAll(phaseOf) {
      return Promise.all(
        Array.from({ length: FLEET_SIZE }, (_, index) => runLimitsPhase(stores(), phaseOf(index))),
      );
    },
    runOne: (_index, phase) => runLimitsPhase(stores(), phase),
    kill: async () => {},
    close: async () => {},
  };
}
