import Anthropic from "@anthropic-ai/sdk";
import { createFakeAnthropic, FACTS_GOLDEN, scoreFacts } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import { extractFacts } from "../src/anthropic.js";

// The evaluation `pnpm eval facts` runs with a real key, run here mechanically against the fake
// server: the fake reads only sentences in the planted-fact form, so its recall is known exactly.
describe("the facts evaluation against the fake server", () => {
  it("scores the golden set: every extracted fact is expected, and exactly the planted-form ones are found", async () => {
    const fake = await createFakeAnthropic();
    try {
      const client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
      const { facts, requests, issues } = await extractFacts(
        FACTS_GOLDEN.map((g) => g.conversation),
        { client },
      );
      const score = scoreFacts(
        FACTS_GOLDEN.flatMap((g) => g.expected),
        facts,
      );
      expect(issues).toEqual([]);
      expect(requests).toBe(1);
      expect(score.extra).toEqual([]);
      expect(score.precision).toBe(1);
      expect(score.found.map((f) => f.object).sort()).toEqual([
        "Acme Robotics",
        "Lisbon",
        "Maya",
        "compiler",
        "green tea",
      ]);
      expect(score.recall).toBeCloseTo(5 / 11, 10);
    } finally {
      await fake.close();
    }
  });
});
