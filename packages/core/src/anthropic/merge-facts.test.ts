import { describe, expect, it } from "vitest";
import type { Fact } from "../facts/fact.js";
import { factId } from "../facts/fact-id.js";
import { factsOfAnswer, mergeFact, supersede } from "./merge-facts.js";
import type { PackedConversation } from "./render-packed.js";

const sent: PackedConversation[] = [
  {
    id: "c1",
    title: "Moving",
    createdAt: new Date("2024-01-01T00:00:00Z"),
    updatedAt: null,
    messages: [
      { id: "m1", role: "user", at: new Date("2024-01-01T10:00:00Z"), text: "I live in Lisbon." },
      { id: "m2", role: "user", at: null, text: "Lisbon is lovely; I live in Lisbon now." },
    ],
  },
  {
    id: "c2",
    title: null,
    createdAt: null,
    updatedAt: null,
    messages: [{ id: "m9", role: "user", at: null, text: "I live in lisbon" }],
  },
];
const fallback = new Date("2026-01-01T00:00:00Z");
const said = (messageId: string, conversationId = "c1") => ({ conversationId, messageId });

describe("factsOfAnswer", () => {
  it("makes one fact of the same fact said in several messages, with every source and the widest times", () => {
    const { facts, unsourced } = factsOfAnswer(
      [
        { subject: "user", predicate: "lives_in", object: "Lisbon", confidence: 0.7, sources: [said("m1")] },
        {
          subject: "user",
          predicate: "lives_in",
          object: "lisbon ",
          confidence: 0.9,
          sources: [said("m2"), said("m9", "c2")],
        },
      ],
      sent,
      fallback,
    );
    expect(unsourced).toBe(0);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toEqual({
      id: factId("user", "lives_in", "Lisbon"),
      subject: "user",
      predicate: "lives_in",
      object: "Lisbon",
      confidence: 0.9,
      sources: [said("m1"), said("m2"), said("m9", "c2")],
      // m2 has no time: its conversation's; c2 has none at all: the fallback.
      firstSeen: new Date("2024-01-01T00:00:00Z"),
      lastSeen: fallback,
      supersededBy: null,
    });
  });

  it("drops sources naming messages that were not sent, and counts facts left with none", () => {
    const { facts, unsourced } = factsOfAnswer(
      [
        { subject: "user", predicate: "works_at", object: "Acme", confidence: 1, sources: [said("m404")] },
        {
          subject: "user",
          predicate: "prefers",
          object: "tea",
          confidence: 1,
          sources: [said("m404"), said("m1")],
        },
      ],
      sent,
      fallback,
    );
    expect(unsourced).toBe(1);
    expect(facts.map((f) => [f.predicate, f.sources])).toEqual([["prefers", [said("m1")]]]);
  });
});

const fact = (object: string, lastSeen: string, extra: Partial<Fact> = {}): Fact => ({
  id: factId("user", "lives_in", object),
  subject: "user",
  predicate: "lives_in",
  object,
  confidence: 0.9,
  sources: [said(`m-${object}`)],
  firstSeen: new Date("2020-01-01T00:00:00Z"),
  lastSeen: new Date(lastSeen),
  supersededBy: null,
  ...extra,
});

describe("mergeFact", () => {
  it("is idempotent and keeps the stored supersededBy", () => {
    const a = fact("Oslo", "2021-01-01T00:00:00Z", { supersededBy: "f_newer" });
    const b = fact("Oslo", "2023-01-01T00:00:00Z", { sources: [said("other")], confidence: 0.5 });
    const once = mergeFact(a, b);
    expect(mergeFact(once, b)).toEqual(once);
    expect(once.supersededBy).toBe("f_newer");
    expect(once.lastSeen).toEqual(b.lastSeen);
    expect(once.confidence).toBe(0.9);
    expect(once.sources).toEqual([said("m-Oslo"), said("other")]);
  });
});

describe("supersede", () => {
  it("marks older values of a single-valued predicate superseded by the newest, never deleting", () => {
    const oslo = fact("Oslo", "2021-01-01T00:00:00Z");
    const porto = fact("Porto", "2024-01-01T00:00:00Z");
    const tea: Fact = {
      ...fact("x", "2019-01-01T00:00:00Z"),
      predicate: "prefers",
      id: factId("user", "prefers", "tea"),
    };
    const changed = supersede([oslo, porto, tea]);
    expect(changed).toEqual([{ ...oslo, supersededBy: porto.id }]);
    // Run again on the result: nothing more changes.
    expect(supersede([{ ...oslo, supersededBy: porto.id }, porto, tea])).toEqual([]);
  });

  it("lifts a superseded fact when it is seen again later than its replacement", () => {
    const oslo = fact("Oslo", "2025-06-01T00:00:00Z", { supersededBy: "x" });
    const porto = fact("Porto", "2024-01-01T00:00:00Z");
    expect(supersede([oslo, porto])).toEqual([
      { ...oslo, supersededBy: null },
      { ...porto, supersededBy: oslo.id },
    ]);
  });

  it("takes more single-valued predicates from the caller", () => {
    const a: Fact = { ...fact("Vim", "2020-01-01T00:00:00Z"), predicate: "editor", id: "f_a" };
    const b: Fact = { ...fact("Emacs", "2022-01-01T00:00:00Z"), predicate: "editor", id: "f_b" };
    expect(supersede([a, b])).toEqual([]);
    expect(supersede([a, b], ["editor"])).toEqual([{ ...a, supersededBy: "f_b" }]);
  });
});
