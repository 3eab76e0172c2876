import { afterAll, beforeAll, describe, vi } from "vitest";
import { startChildFleet } from "./limits-child-fleet.js";
import type { LimitsConformanceOptions, OpenedLimitsStores } from "./limits-conformance-options.js";
import { createInProcessFleet, FLEET_SKEWS_MS, type LimitsFleet } from "./limits-fleet.js";

/** What the cases of one limits suite share. */
export interface LimitsSuite {
  readonly options: LimitsConformanceOptions;
  /** The stores the suite holds open: one at a time in this process (PGlite locks its directory). */
  stores(): OpenedLimitsStores;
  /** Closes the stores and opens them again, as a restarted process would. */
  reopen(): Promise<OpenedLimitsStores>;
  /** The multi-process participants, started on first use and shared with the other limits suite of the file. */
  fleet(): Promise<LimitsFleet>;
  /** Stops the shared participants after one was killed; the next `fleet()` starts new ones. */
  retireFleet(): Promise<void>;
}

// Child processes take seconds to start, so both limits suites of a test file share them.
const childFleets = new Map<string, Promise<LimitsFleet>>();

async function retire(processModule: string): Promise<void> {
  const fleet = childFleets.get(processModule);
  childFleets.delete(processModule);
  await (await fleet?.catch(() => undefined))?.close();
}

/**
 * Registers a limits suite: a hook at the caller's level that stops the shared child processes once
 * every suite of the file is done, and a `describe` whose cases get the shared context.
 */
export function describeLimitsSuite(
  title: string,
  options: LimitsConformanceOptions,
  body: (suite: LimitsSuite) => void,
): void {
  const { processModule } = options;
  if (processModule) afterAll(() => retire(processModule));
  describe(`${title}: ${options.name}`, () => body(useLimitsSuite(options)));
}

function useLimitsSuite(options: LimitsConformanceOptions): LimitsSuite {
  let opened: OpenedLimitsStores | undefined;
  beforeAll(async () => {
    opened = await options.open();
  });
  afterAll(async () => {
    await opened?.close();
    opened = undefined;
  });
  const stores = () => {
    if (!opened) throw new Error("limits conformance: the stores are not open");
    return opened;
  };
  return {
    options,
    stores,
    async reopen() {
      const previous = opened;
      opened = undefined;
      await previous?.close();
      opened = await options.open();
      return opened;
    },
    fleet() {
      const { processModule } = options;
      if (!processModule) return Promise.resolve(createInProcessFleet(stores));
      let fleet = childFleets.get(processModule);
      if (!fleet) {
        fleet = startChildFleet(processModule, FLEET_SKEWS_MS);
        childFleets.set(processModule, fleet);
      }
      return fleet;
    },
    retireFleet: () => (options.processModule ? retire(options.processModule) : Promise.resolve()),
  };
}

let counter = 0;

/** A name unique to this process and call, with characters that break naive key building. */
export function uniqueName(label: string): string {
  counter += 1;
  return `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}-{ü}:'*`;
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `body` while this process's `Date.now` alternates between the real time and 2 s ahead on
 * every call: the in-process stand-in for two processes whose clocks differ.
 */
export async function withFlippingClock<T>(body: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  let ahead = false;
  const spy = vi.spyOn(Date, "now").mockImplementation(() => {
    ahead = !ahead;
    return realNow() + (ahead ? 2000 : 0);
  });
  try {
    return await body();
  } finally {
    spy.mockRestore();
  }
}
