/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts. The timer does
 * not keep a Node process alive (idle workers and retry delays must never block a clean exit).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    unrefTimer(timer);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Lets a timer not hold the process open where the runtime supports it (Node, Bun, Deno). */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | null)?.unref?.();
}
