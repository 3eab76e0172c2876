import type {
  RateLimitAcquireRequest,
  RateLimitAdjustment,
  RateLimitDecision,
} from "../ports/rate-limit-store.js";

/**
 * Slack on the GCRA comparison, in ms: sums of fractional emission intervals must not refuse the last
 * unit of a burst by a rounding error. Redis's Lua, Postgres and this file use the same doubles and
 * the same constant, so they decide alike.
 */
export const RATE_LIMIT_EPSILON_MS = 0.001;

/** One limiter's state: the TAT of each rate key, the holds (id -> expiry) of each concurrency key. */
export interface RateLimitState {
  readonly tats: Map<string, number>;
  readonly holds: Map<string, Map<string, number>>;
}

/** An empty limiter state. */
export function createRateLimitState(): RateLimitState {
  return { tats: new Map(), holds: new Map() };
}

/**
 * Whether a key's holds were added in order of expiry (always, while its rule's `holdMs` stays the
 * same), and the latest expiry added: then expired holds are all at the front of the map (insertion
 * order), and pruning stops at the first live one instead of scanning thousands of holds per check.
 */
const holdOrder = new WeakMap<Map<string, number>, { sorted: boolean; latest: number }>();

function addHold(holds: Map<string, number>, id: string, expiresAt: number): void {
  const order = holdOrder.get(holds) ?? { sorted: true, latest: -Infinity };
  if (expiresAt < order.latest || holds.has(id)) order.sorted = false;
  order.latest = Math.max(order.latest, expiresAt);
  holdOrder.set(holds, order);
  holds.set(id, expiresAt);
}

/** The earliest expiry of a non-empty set of holds (a loop: spreading a million values overflows the stack). */
function earliest(holds: Map<string, number>): number {
  if (holdOrder.get(holds)?.sorted ?? true) return holds.values().next().value!;
  let min = Infinity;
  for (const expiresAt of holds.values()) min = Math.min(min, expiresAt);
  return min;
}

function liveHolds(state: RateLimitState, key: string, now: number): Map<string, number> {
  let holds = state.holds.get(key);
  if (!holds) {
    holds = new Map();
    state.holds.set(key, holds);
  }
  const sorted = holdOrder.get(holds)?.sorted ?? true;
  for (const [id, expiresAt] of holds) {
    if (expiresAt <= now) holds.delete(id);
    else if (sorted) break;
  }
  return holds;
}

/**
 * The reference acquire, run synchronously on a limiter's state at the store's `now`: GCRA with a
 * cost per rate charge (TAT = max(TAT, now) + cost x emission; admitted while TAT - now <= tolerance),
 * a hold per concurrency charge, all admitted together or none recorded. The Redis Lua and the
 * Postgres function are line-for-line ports of this.
 */
export function decideAcquire(
  state: RateLimitState,
  request: RateLimitAcquireRequest,
  now: number,
): RateLimitDecision {
  // Units left after this call (used when it is admitted) and left now (when it is not: it took nothing).
  const after: number[] = [];
  const left: number[] = [];
  const denied: number[] = [];
  const writes: (() => void)[] = [];
  let retryAfter = 0;
  request.charges.forEach((charge, index) => {
    if (charge.kind === "rate") {
      const tat = Math.max(state.tats.get(charge.key) ?? now, now);
      const next = tat + charge.cost * charge.emissionMs;
      left.push(units(charge.toleranceMs - (tat - now), charge.emissionMs));
      if (next - now > charge.toleranceMs + RATE_LIMIT_EPSILON_MS) {
        denied.push(index);
        retryAfter = Math.max(retryAfter, next - now - charge.toleranceMs);
        after.push(0);
      } else {
        after.push(units(charge.toleranceMs - (next - now), charge.emissionMs));
        if (charge.cost > 0) writes.push(() => state.tats.set(charge.key, next));
      }
      return;
    }
    const holds = liveHolds(state, charge.key, now);
    left.push(Math.max(0, charge.limit - holds.size));
    if (holds.size + 1 > charge.limit) {
      denied.push(index);
      retryAfter = Math.max(retryAfter, earliest(holds) - now);
      after.push(0);
    } else {
      after.push(charge.limit - holds.size - 1);
      writes.push(() => addHold(holds, request.holdId, now + charge.holdMs));
    }
  });
  if (denied.length > 0) {
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(retryAfter)), remaining: left, denied };
  }
  for (const write of writes) write();
  return { allowed: true, retryAfterMs: 0, remaining: after, denied };
}

function units(roomMs: number, emissionMs: number): number {
  return Math.max(0, Math.floor((roomMs + RATE_LIMIT_EPSILON_MS) / emissionMs));
}

/**
 * The reference adjust: a refund moves the TAT back, never before `now`; a charge moves it on from
 * max(TAT, now), past the tolerance if need be. A TAT at or before `now` is dropped (an empty bucket).
 */
export function applyAdjustments(
  state: RateLimitState,
  adjustments: readonly RateLimitAdjustment[],
  now: number,
): void {
  for (const { key, emissionMs, delta } of adjustments) {
    const tat = state.tats.get(key) ?? now;
    const next =
      delta < 0 ? Math.max(tat + delta * emissionMs, now) : Math.max(tat, now) + delta * emissionMs;
    if (next > now) state.tats.set(key, next);
    else state.tats.delete(key);
  }
}

/** The reference release: drops hold `holdId` from each key. */
export function releaseHolds(state: RateLimitState, keys: readonly string[], holdId: string): void {
  for (const key of keys) state.holds.get(key)?.delete(holdId);
}

/** Drops TATs and holds that have run out, so an idle limiter's state does not grow. */
export function pruneRateLimitState(state: RateLimitState, now: number): void {
  for (const [key, tat] of state.tats) if (tat <= now) state.tats.delete(key);
  for (const [key] of state.holds) if (liveHolds(state, key, now).size === 0) state.holds.delete(key);
}
