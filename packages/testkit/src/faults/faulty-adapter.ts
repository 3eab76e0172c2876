import { type Adapter, StorageError, type StorageAdapterName } from "@threadmill/core";

/** When a kill takes effect relative to the call it is set on. */
export type KillPoint = "before" | "after";

/** Options of `createFaultyAdapter`. */
export interface FaultyAdapterOptions {
  /** Kill at the `call`-th call (from 1) made through the view: `before` it reaches the store, or `after` it took effect (its answer is lost). */
  readonly killAt?: { readonly call: number; readonly when: KillPoint };
}

/** One call made through a faulty view, as it ended. */
export interface FaultyCall {
  /** Its number, from 1. */
  readonly call: number;
  /** `port.method`, for example `chunks.upsert`. */
  readonly operation: string;
  /** `performance.now()` when it reached the store (or was refused), `null` while held or killed. */
  readonly settledAt: number | null;
  /** `pending` while in flight, `held` while paused, then how it ended. */
  readonly result: "pending" | "ok" | "rejected" | "dropped" | "held" | "killed";
  /** The error's name when rejected, for example `LeaseLostError`. */
  readonly error?: string;
}

/** A view of an adapter that a test can pause, kill or make fail, as a real process or network would. */
export interface FaultyAdapter {
  /** The view: hand it to the worker under test. */
  readonly adapter: Adapter;
  /** Calls made through the view so far. */
  readonly calls: number;
  /** Whether the view was killed. */
  readonly killed: boolean;
  /** Every call made through the view, in order, with how it ended. */
  readonly history: readonly FaultyCall[];
  /** Every call from now on waits, unsent, until `resume()` (a stopped process, a GC pause, a partition). */
  pause(): void;
  /** Sends the calls held by `pause()`, in order; a zombie wakes up. */
  resume(): void;
  /** Abandons the worker: every pending and future call never settles (`kill -9`, a serverless freeze). */
  kill(): void;
  /** Pauses at the `call`-th call: that call (already sent, as far as the caller knows) and every later one wait for `resume()`. */
  pauseAt(call: number): void;
  /** Kills at the `call`-th call (counting from 1 since the view was made), before or after it took effect. */
  killAt(call: number, when: KillPoint): void;
  /** The next `count` calls reject with a retriable `StorageError` without reaching the store (a dropped connection). */
  failNext(count: number): void;
}

const PORTS = ["jobs", "queue", "checkpoints", "events", "conversations", "chunks"] as const;
/** Ports an adapter may leave out; wrapped when it has them. */
const OPTIONAL_PORTS = ["facts", "library", "rateLimits", "spend"] as const;

/** The adapter as one process sees it: every port's methods go through `call`. */
function viewOf(
  inner: Adapter,
  call: (port: string, method: string, fn: () => unknown) => Promise<unknown>,
): Adapter {
  const wrapPort = (port: string, target: object): object =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => call(port, String(prop), () => value.apply(t, args));
      },
    });
  const view = Object.create(null) as Record<string, unknown>;
  for (const port of PORTS) view[port] = wrapPort(port, inner[port]);
  for (const port of OPTIONAL_PORTS) {
    const target = inner[port];
    if (target) view[port] = wrapPort(port, target);
  }
  view.name = `${inner.name} (faulty view)`;
  view.capabilities = inner.capabilities;
  view.close = () => inner.close();
  return view as unknown as Adapter;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * Wraps an adapter so a test can inject the faults durable jobs must survive: a worker killed at
 * any store call (before or after the call took effect), a paused worker that wakes after its lease
 * was taken (a zombie), and dropped connections. The underlying adapter is shared, as a store is by
 * many processes; only this view misbehaves.
 * @example
 * const zombie = createFaultyAdapter(store);
 * const runner = createRunner({ store: zombie.adapter, pipelines });
 * zombie.pause(); // ... lease expires, another worker claims ...
 * zombie.resume(); // its writes now throw LeaseLostError
 */
export function createFaultyAdapter(inner: Adapter, options: FaultyAdapterOptions = {}): FaultyAdapter {
  let calls = 0;
  let killed = false;
  let paused = false;
  let failures = 0;
  let killPoint = options.killAt;
  let pausePoint: number | undefined;
  let held: Array<() => void> = [];
  const history: FaultyCall[] = [];

  const call = async (port: string, method: string, fn: () => unknown): Promise<unknown> => {
    if (killed) return never();
    calls += 1;
    const n = calls;
    const entry: { -readonly [K in keyof FaultyCall]: FaultyCall[K] } = {
      call: n,
      operation: `${port}.${method}`,
      settledAt: null,
      result: "pending",
    };
    history.push(entry);
    if (killPoint && n === killPoint.call && killPoint.when === "before") {
      killed = true;
      entry.result = "killed";
      return never();
    }
    if (pausePoint === n) paused = true;
    if (paused) {
      entry.result = "held";
      await new Promise<void>((resolve) => held.push(resolve));
      entry.result = "pending";
      if (killed) {
        entry.result = "killed";
        return never();
      }
    }
    if (failures > 0) {
      failures -= 1;
      entry.result = "dropped";
      entry.settledAt = performance.now();
      throw new StorageError({
        adapter: inner.name as StorageAdapterName,
        operation: `${port}.${method}`,
        retriable: true,
        message: "connection dropped (injected fault)",
      });
    }
    let result: unknown;
    try {
      result = await fn();
    } catch (error) {
      entry.result = "rejected";
      entry.error = (error as Error)?.name ?? String(error);
      entry.settledAt = performance.now();
      throw error;
    }
    entry.settledAt = performance.now();
    entry.result = "ok";
    if (killPoint && n === killPoint.call && killPoint.when === "after") killed = true;
    if (killed) {
      entry.result = "killed";
      return never();
    }
    return result;
  };

  const view = viewOf(inner, call);

  return {
    adapter: view,
    get calls() {
      return calls;
    },
    get killed() {
      return killed;
    },
    get history() {
      return history;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      const waiting = held;
      held = [];
      for (const resolve of waiting) resolve();
    },
    kill() {
      killed = true;
      const waiting = held;
      held = [];
      for (const resolve of waiting) resolve();
    },
    pauseAt(callNumber) {
      pausePoint = callNumber;
    },
    killAt(callNumber, when) {
      killPoint = { call: callNumber, when };
    },
    failNext(count) {
      failures += count;
    },
  };
}
