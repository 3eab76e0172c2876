/** What `createYielder` returns: call it often; it only really yields once `everyMs` have passed. */
export type Yielder = () => Promise<void>;

/**
 * A cooperative yield point: resolves at once (a cheap check) until `everyMs` have passed since the
 * last real yield, then waits one macrotask (`setTimeout(0)`) so timers (the lease heartbeat) and I/O
 * run. A microtask would not do: timers only fire between macrotasks. Rejects with `signal.reason`
 * once `signal` aborted, so a unit stops at its next yield point.
 */
export function createYielder(everyMs: number, signal?: AbortSignal): Yielder {
  let last = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = performance.now();
    signal?.throwIfAborted();
  };
}
