import { factSchema } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { sampleFact } from "./conformance-context.js";

describe("sampleFact", () => {
  it("is a valid Fact for every variant the suites use, and the variants differ in every optional shape", () => {
    const facts = Array.from({ length: 7 }, (_, variant) => sampleFact(`f-${variant}`, variant));
    for (const fact of facts) expect(factSchema.parse(fact)).toStrictEqual(fact);
    expect(new Set(facts.map((f) => f.supersededBy === null))).toStrictEqual(new Set([true, false]));
    expect(new Set(facts.map((f) => f.sources.length))).toStrictEqual(new Set([1, 2, 3]));
    expect(new Set(facts.map((f) => f.confidence))).toStrictEqual(new Set([0, 0.85, 1]));
  });
});
