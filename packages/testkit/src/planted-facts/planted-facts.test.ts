import { describe, expect, it } from "vitest";
import { createPrng } from "../generator/create-prng.js";
import { paragraphText, words } from "../generator/text-corpus.js";
import { findPlantedFacts, PLANTED_FACT_TEMPLATES } from "./planted-facts.js";

describe("planted facts", () => {
  it("every template reads back every object of its vocabulary from its own sentence", () => {
    for (const t of PLANTED_FACT_TEMPLATES) {
      for (const object of t.objects) {
        const sentence = t.sentence(object);
        expect(findPlantedFacts(`so anyway ${sentence} what do you think`)).toEqual([
          { predicate: t.predicate, singleValued: t.singleValued, object, index: 10, sentence },
        ]);
      }
    }
  });

  it("reads sentences written by hand too, in order of appearance, each once", () => {
    const text =
      "I'm working on an interpreter. My son is called Jonas. I live in Rio de Janeiro. I prefer tea.";
    expect(findPlantedFacts(text).map((f) => [f.predicate, f.object])).toEqual([
      ["works_on", "interpreter"],
      ["has_child", "Jonas"],
      ["lives_in", "Rio de Janeiro"],
      ["prefers", "tea"],
    ]);
    expect(findPlantedFacts(text)).toEqual(findPlantedFacts(text));
  });

  it("needs the whole sentence: no match inside other words or without the full stop", () => {
    for (const text of [
      "I live in lisbon.",
      "I live in Lisbon",
      "AI live in Lisbon.",
      "I work at globex.",
      "I prefer Tea.",
    ]) {
      expect(findPlantedFacts(text)).toEqual([]);
    }
  });

  it("finds nothing in the generator's ordinary text", () => {
    const rng = createPrng(3);
    for (let i = 0; i < 300; i++) {
      expect(findPlantedFacts(words(rng, 200, true))).toEqual([]);
      expect(findPlantedFacts(paragraphText(rng, 800, true))).toEqual([]);
    }
  });
});
