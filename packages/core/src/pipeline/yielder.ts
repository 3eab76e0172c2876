/** What `createYielder` returns: call it often; it only really yields once `everyMs` have passed. */
export type Yielder = () => Promise<void>;

type Immediate = (callback: () => void) => unknown;
const setImmediateIfAny = (globalThis as { setImmediate?: Immediate }).setImmediate;

/**
 * Lets the event loop turn, running due timers and I/O: two `setImmediate`s where the runtime has
 * them (Node, Bun; the second one always lands after a timers phase, and the process never sleeps,
 * which a 1 ms `setTimeout` makes it do, at a high price on a loaded machine), else `setTimeout(0)`.
 */
export function nextMacrotask(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (setImmediateIfAny) setImmediateIfAny(() => setImmediateIfAny(resolve));
    else setTimeout(resolve, 0);
  });
}

/**
 * A cooperative yield point: resolves at once (a cheap check) until `everyMs` have passed since the
 * last real yield, then waits one macrotask so timers (the lease heartbeat) and I/O run. A microtask
 * would not do: timers only fire between macrotasks. Rejects with `signal.reason` once `signal`
 * aborted, so a unit stops at its next yield point.
 */
export function createYielder(everyMs: number, signal?: AbortSignal): Yielder {
  let last = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - last < everyMs) return;
    await nextMacrotask();
    last = performance.now();
    signal?.throwIfAborted();
  };
}
