import type { Stage } from "@threadmill/core";

/**
 * A stage whose units each wait `delayMs` first: `THREADMILL_UNIT_DELAY_MS`, for demos and the
 * browser tests, so an import of a small export lasts long enough to watch, reload and kill mid-way.
 */
export function paced<C>(stage: Stage<C>, delayMs: number): Stage<C> {
  return {
    name: stage.name,
    async open(context, cursor) {
      const run = await stage.open(context, cursor);
      return {
        async next(unit) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delayMs);
            unit.signal.addEventListener("abort", () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return run.next(unit);
        },
        ...(run.close ? { close: () => run.close?.() } : {}),
      };
    },
  };
}
