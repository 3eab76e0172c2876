import type { RateLimitAdjustment, RateLimitStore } from "../ports/rate-limit-store.js";
import type { CompiledRule } from "./compile-rules.js";
import { ruleGroup, ruleKey } from "./compile-rules.js";
import type { RateLimitCost } from "./rate-limit-rule.js";

/** What `acquire` returns: the call may go ahead. */
export interface RateLimitHold {
  /**
   * `false` when the store failed and the limiter's `onStoreError` is `"allow"`: the call was let
   * through unchecked, and `settle`/`release` do nothing.
   */
  readonly checked: boolean;
  /** Units (rate rules) or slots (concurrency rules) left per rule after this call. */
  readonly remaining: Readonly<Record<string, number>>;
  /**
   * Corrects the rate rules to what the call really used: units reserved and not used are given back
   * (never past a full bucket), units used beyond the reservation are charged. A rule left out of
   * `actual` keeps its reservation; a name that is not a rate rule, or an amount that is not an
   * integer >= 0, is a RangeError (and the hold stays unsettled). Only the first valid call counts.
   */
  settle(actual: RateLimitCost): Promise<void>;
  /** Ends the concurrency holds at once (they end by themselves after `holdMs`). Idempotent. */
  release(): Promise<void>;
}

function invalid(message: string): RangeError {
  return new RangeError(`[threadmill] [ratelimit] ${message}`);
}

/** The corrections `actual` makes to the reservation; a RangeError for a name or amount it cannot mean. */
function adjustmentsOf(
  fields: { key: string; rules: readonly CompiledRule[]; reserved: ReadonlyMap<string, number> },
  actual: RateLimitCost,
): RateLimitAdjustment[] {
  if (typeof actual !== "object" || actual === null) {
    throw invalid("actual must be an object of rule name -> units.");
  }
  for (const name of Object.keys(actual)) {
    // A misspelt name would otherwise leave the whole reservation charged, silently.
    if (fields.rules.find((r) => r.name === name)?.kind !== "rate") {
      throw invalid(`actual names "${name}", which is not a rate rule.`);
    }
  }
  const adjustments: RateLimitAdjustment[] = [];
  for (const rule of fields.rules) {
    if (rule.kind !== "rate" || actual[rule.name] === undefined) continue;
    const used = actual[rule.name]!;
    if (!Number.isSafeInteger(used) || used < 0) {
      throw invalid(`actual.${rule.name} must be an integer >= 0 (got ${String(used)}).`);
    }
    const delta = used - (fields.reserved.get(rule.name) ?? 0);
    if (delta === 0) continue;
    const { key } = fields;
    adjustments.push({
      key: ruleKey(rule, key),
      group: ruleGroup(rule, key),
      emissionMs: rule.emissionMs,
      delta,
    });
  }
  return adjustments;
}

/** A hold for a call the store admitted. */
export function createHold(fields: {
  store: RateLimitStore;
  limiter: string;
  key: string;
  holdId: string;
  rules: readonly CompiledRule[];
  reserved: ReadonlyMap<string, number>;
  remaining: Readonly<Record<string, number>>;
  swallow: boolean;
}): RateLimitHold {
  let settled = false;
  let released = false;
  const guard = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (!fields.swallow) throw error;
    }
  };
  return {
    checked: true,
    remaining: fields.remaining,
    async settle(actual) {
      if (settled) return;
      // Checked before the hold counts as settled, so a corrected call after a RangeError still counts.
      const adjustments = adjustmentsOf(fields, actual);
      settled = true;
      if (adjustments.length === 0) return;
      await guard(() => fields.store.adjust({ limiter: fields.limiter, adjustments }));
    },
    async release() {
      if (released) return;
      released = true;
      const keys = fields.rules.filter((r) => r.kind === "concurrency").map((r) => ruleKey(r, fields.key));
      if (keys.length === 0) return;
      await guard(() => fields.store.release({ limiter: fields.limiter, keys, holdId: fields.holdId }));
    },
  };
}

/** The hold of a call let through unchecked because the store failed (`onStoreError: "allow"`). */
export function uncheckedHold(): RateLimitHold {
  return { checked: false, remaining: {}, settle: async () => {}, release: async () => {} };
}
