import { Interrupt } from "./claim-interrupts.js";
import type { ClaimChain, ClaimedJob } from "./claim-session.js";
import { claimNext, runClaim } from "./run-claim.js";
import type { RunnerContext } from "./runner-options.js";
import { sleep, unrefTimer } from "./sleep.js";

/** A long-lived worker's claim loops: `start` and `stop` of `Runner`. */
export interface ClaimLoops {
  start(options?: { readonly concurrency?: number }): void;
  stop(options?: { readonly graceMs?: number }): Promise<void>;
}

interface LoopSignals {
  /** Cuts an idle wait short when the worker stops. */
  readonly idle: AbortController;
  /** Aborts the running claim once stop's grace ran out. */
  readonly hardStop: AbortController;
}

/** Creates the claim loops of one runner; none runs before `start`. */
export function createClaimLoops(context: RunnerContext): ClaimLoops {
  const { store } = context;
  let loops: Promise<void>[] = [];
  let stopping = false;
  // One pair of controllers per loop, not one shared by all: every loop keeps an abort listener on
  // its signals (an idle sleep, a running claim), and 11+ on one AbortSignal make Node warn of a leak.
  let loopSignals: LoopSignals[] = [];

  /** A claim loop's idle wait: the poll interval (jittered), cut short by the queue's wake-up hint. */
  const idleWait = async (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    const woken = new AbortController();
    const wake = () => woken.abort();
    signal.addEventListener("abort", wake, { once: true });
    const unsubscribe = store.queue.onClaimable?.(wake);
    try {
      await sleep(context.pollMs * (0.5 + Math.random() / 2), woken.signal).catch(() => {});
    } finally {
      unsubscribe?.();
      signal.removeEventListener("abort", wake);
    }
  };

  const loop = async ({ idle, hardStop }: LoopSignals): Promise<void> => {
    // The job a completion claimed for this loop (`Queue.completeAndClaim`). One claimed just as stop
    // began still runs: its claim sees `stopping` and hands it back at once instead of leaving its
    // lease to lapse.
    let chained: ClaimedJob | null = null;
    const chain: ClaimChain = {
      wanted: () => !stopping,
      take: (next) => {
        chained = next;
      },
    };
    while (!stopping || chained) {
      let next: ClaimedJob | null = chained;
      chained = null;
      if (!next) {
        try {
          next = await claimNext(context);
        } catch (error) {
          context.report(error, undefined, "claiming failed (store unreachable?); polling again");
        }
      }
      if (!next) {
        await idleWait(idle.signal);
        continue;
      }
      await runClaim(context, next.claim, next.claimedAt, {
        softDeadline: Number.POSITIVE_INFINITY,
        signal: hardStop.signal,
        stopping: () => stopping,
        chain,
      });
    }
  };

  return {
    start(startOptions = {}) {
      const concurrency = startOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new RangeError("[threadmill] concurrency must be an integer >= 1");
      }
      if (loops.length > 0) throw new Error("[threadmill] this runner was already started; stop() it first");
      stopping = false;
      loopSignals = Array.from({ length: concurrency }, () => ({
        idle: new AbortController(),
        hardStop: new AbortController(),
      }));
      loops = loopSignals.map((signals) => loop(signals));
    },

    async stop(stopOptions = {}) {
      const graceMs = stopOptions.graceMs ?? 10_000;
      stopping = true;
      for (const { idle } of loopSignals) idle.abort();
      const grace = setTimeout(() => {
        for (const { hardStop } of loopSignals) hardStop.abort(new Interrupt("stop"));
      }, graceMs);
      unrefTimer(grace);
      try {
        await Promise.all(loops);
      } finally {
        clearTimeout(grace);
        loops = [];
        loopSignals = [];
      }
    },
  };
}
