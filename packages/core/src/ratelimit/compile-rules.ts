import type { RateLimitCharge } from "../ports/rate-limit-store.js";
import type { RateLimitCost, RateLimitRule } from "./rate-limit-rule.js";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function invalid(message: string): RangeError {
  return new RangeError(`[threadmill] [ratelimit] ${message}`);
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${what} must be an integer >= 1 (got ${String(value)}).`);
  }
  return value;
}

/** A rule checked once, with its GCRA constants. */
export type CompiledRule =
  | {
      readonly kind: "rate";
      readonly name: string;
      readonly global: boolean;
      readonly burst: number;
      readonly emissionMs: number;
      readonly toleranceMs: number;
    }
  | {
      readonly kind: "concurrency";
      readonly name: string;
      readonly global: boolean;
      readonly limit: number;
      readonly holdMs: number;
    };

/** Validates a limiter's rules (a RangeError names the first bad field) and computes their constants. */
export function compileRules(rules: readonly RateLimitRule[]): readonly CompiledRule[] {
  if (!Array.isArray(rules) || rules.length === 0) throw invalid("rules must be a non-empty array.");
  const names = new Set<string>();
  return rules.map((rule, i) => {
    if (typeof rule?.name !== "string" || !NAME.test(rule.name)) {
      throw invalid(`rules[${i}].name must be 1-64 letters, digits, "_" or "-".`);
    }
    if (names.has(rule.name)) throw invalid(`rules[${i}].name "${rule.name}" is used twice.`);
    names.add(rule.name);
    if (rule.scope !== undefined && rule.scope !== "key" && rule.scope !== "global") {
      throw invalid(`rules[${i}].scope must be "key" or "global".`);
    }
    const global = rule.scope === "global";
    if ("concurrency" in rule) {
      return {
        kind: "concurrency",
        name: rule.name,
        global,
        limit: positiveInteger(rule.concurrency, `rules[${i}].concurrency`),
        holdMs: positiveInteger(rule.holdMs, `rules[${i}].holdMs`),
      };
    }
    const limit = positiveInteger(rule.limit, `rules[${i}].limit`);
    const periodMs = positiveInteger(rule.periodMs, `rules[${i}].periodMs`);
    const burst = positiveInteger(rule.burst ?? limit, `rules[${i}].burst`);
    const emissionMs = periodMs / limit;
    return { kind: "rate", name: rule.name, global, burst, emissionMs, toleranceMs: burst * emissionMs };
  });
}

/** The store key of a rule for `key`: global rules share one, others get one per key. */
export function ruleKey(rule: CompiledRule, key: string): string {
  return rule.global ? `g:${rule.name}` : `k:${rule.name}:${key}`;
}

/** The group of a rule's key for `key`: a call's dimensions of one scope are stored together. */
export function ruleGroup(rule: CompiledRule, key: string): string {
  return rule.global ? "g" : `k:${key}`;
}

/**
 * Checks a cost against the rules: every name must be a rate rule's, every value an integer >= 0 no
 * larger than the rule's burst (a call that could never be admitted is a RangeError, not a wait).
 */
export function costOf(rules: readonly CompiledRule[], cost: RateLimitCost | undefined): Map<string, number> {
  if (cost !== undefined && (typeof cost !== "object" || cost === null)) {
    throw invalid("cost must be an object of rule name -> units.");
  }
  for (const name of Object.keys(cost ?? {})) {
    const rule = rules.find((r) => r.name === name);
    if (rule?.kind !== "rate") throw invalid(`cost names "${name}", which is not a rate rule.`);
  }
  const units = new Map<string, number>();
  for (const rule of rules) {
    if (rule.kind !== "rate") continue;
    const value = cost?.[rule.name] ?? 1;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(`cost.${rule.name} must be an integer >= 0 (got ${String(value)}).`);
    }
    if (value > rule.burst) {
      throw invalid(
        `cost.${rule.name} is ${value}, above the rule's burst of ${rule.burst}: it could never be admitted.`,
      );
    }
    units.set(rule.name, value);
  }
  return units;
}

/** The store charges of one call. */
export function chargesOf(
  rules: readonly CompiledRule[],
  key: string,
  units: ReadonlyMap<string, number>,
): RateLimitCharge[] {
  return rules.map((rule) =>
    rule.kind === "rate"
      ? {
          kind: "rate",
          key: ruleKey(rule, key),
          group: ruleGroup(rule, key),
          emissionMs: rule.emissionMs,
          toleranceMs: rule.toleranceMs,
          cost: units.get(rule.name) ?? 0,
        }
      : { kind: "concurrency", key: ruleKey(rule, key), limit: rule.limit, holdMs: rule.holdMs },
  );
}
