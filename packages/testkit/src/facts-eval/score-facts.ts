import type { Fact } from "@threadmill/core";
import type { GoldenFact } from "./facts-golden.js";

/** How extracted facts compare with the golden set's. */
export interface FactsScore {
  readonly precision: number;
  readonly recall: number;
  /** Expected facts found, and extracted facts that match none. */
  readonly found: readonly GoldenFact[];
  readonly missed: readonly GoldenFact[];
  readonly extra: readonly Fact[];
}

const words = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** Whether an extracted fact states an expected one: a listed predicate, and the expected object among the object's words. */
export function factMatches(fact: Fact, expected: GoldenFact): boolean {
  if (!expected.predicates.includes(fact.predicate)) return false;
  return ` ${words(fact.object)} `.includes(` ${words(expected.object)} `);
}

/**
 * Precision (extracted facts matching an expected one) and recall (expected facts matched), over
 * facts about the person (`subject: "user"`); superseded facts count like the others.
 */
export function scoreFacts(expected: readonly GoldenFact[], facts: readonly Fact[]): FactsScore {
  const mine = facts.filter((f) => f.subject.toLowerCase() === "user");
  const found = expected.filter((e) => mine.some((f) => factMatches(f, e)));
  const extra = mine.filter((f) => !expected.some((e) => factMatches(f, e)));
  return {
    precision: mine.length === 0 ? 1 : (mine.length - extra.length) / mine.length,
    recall: expected.length === 0 ? 1 : found.length / expected.length,
    found,
    missed: expected.filter((e) => !found.includes(e)),
    extra,
  };
}
