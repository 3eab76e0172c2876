import type { StoredConversation } from "@threadmill/core";

/** A fact the golden set expects: predicates a model may reasonably use for it, and the object. */
export interface GoldenFact {
  readonly predicates: readonly string[];
  /** Matched case-insensitively, as a whole word or phrase inside the extracted object. */
  readonly object: string;
}

/** One hand-written conversation of the golden set and the facts about the person it states. */
export interface GoldenConversation {
  readonly conversation: StoredConversation;
  readonly expected: readonly GoldenFact[];
}

let clock = Date.UTC(2025, 0, 6, 9, 0);
function conversation(
  id: string,
  title: string,
  turns: readonly (readonly ["user" | "assistant", string])[],
): StoredConversation {
  const createdAt = new Date(clock);
  const messages = turns.map(([role, text], i) => ({
    id: `${id}-m${i}`,
    role,
    text,
    createdAt: new Date(clock + (i + 1) * 60_000),
    attachments: [],
  }));
  clock += 86_400_000;
  return {
    id,
    source: "chatgpt",
    title,
    createdAt,
    updatedAt: new Date(clock),
    model: null,
    instructions: null,
    messages,
  };
}

const LIVES = ["lives_in", "location", "resides_in", "moved_to", "home"];
const WORK = ["works_at", "employer", "works_for"];
const CHILD = ["has_child", "child", "has_daughter", "has_son", "daughter", "son"];

/**
 * The golden set: hand-written conversations, each with the facts about the person a careful reader
 * takes from it (and none from questions, hypotheticals, pasted text or the assistant). Some state
 * facts in the planted-fact form the fake server reads; the rest only a real model can find.
 */
export const FACTS_GOLDEN: readonly GoldenConversation[] = [
  {
    conversation: conversation("g-move", "Moving boxes", [
      ["user", "I live in Lisbon. How many boxes do I need for a two-bedroom flat?"],
      ["assistant", "Usually 40 to 60 boxes for a two-bedroom flat."],
      ["user", "Ok. My daughter is called Maya. She has a lot of toys, so let's say 70."],
    ]),
    expected: [
      { predicates: LIVES, object: "Lisbon" },
      { predicates: CHILD, object: "Maya" },
    ],
  },
  {
    conversation: conversation("g-job", "Interview prep", [
      [
        "user",
        "I work at Acme Robotics. I have an interview for a staff role at Northwind next week, can you quiz me?",
      ],
      ["assistant", "Sure. Tell me about a system you designed at Acme Robotics."],
      ["user", "I'm working on a compiler. It's for our motion-planning language, mostly in Rust."],
    ]),
    expected: [
      { predicates: WORK, object: "Acme Robotics" },
      { predicates: ["works_on", "project", "building"], object: "compiler" },
    ],
  },
  {
    conversation: conversation("g-tea", "Afternoon drinks", [
      ["user", "I prefer green tea. Is it bad to drink five cups a day?"],
      ["assistant", "Five cups is fine for most people; watch the caffeine in the evening."],
    ]),
    expected: [{ predicates: ["prefers", "likes", "favorite_drink"], object: "green tea" }],
  },
  {
    conversation: conversation("g-natural", "School run", [
      [
        "user",
        "We moved to Porto last spring and my son Leo starts primary school in September. Any tips for the first week?",
      ],
      ["assistant", "Visit the school together beforehand and keep the mornings calm."],
      ["user", "Thanks. I'm a nurse on night shifts, so mornings are hard for me."],
    ]),
    expected: [
      { predicates: LIVES, object: "Porto" },
      { predicates: CHILD, object: "Leo" },
      { predicates: ["job_title", "occupation", "profession", "works_as"], object: "nurse" },
    ],
  },
  {
    conversation: conversation("g-health", "Recipe swap", [
      ["user", "Can you swap the peanuts in this satay recipe? I'm allergic to peanuts."],
      ["assistant", "Use sunflower seed butter instead of peanut butter."],
    ]),
    expected: [{ predicates: ["health", "allergy", "allergic_to", "has_allergy"], object: "peanuts" }],
  },
  {
    conversation: conversation("g-lang", "Letter to my grandmother", [
      [
        "user",
        "Portuguese is my native language but I write better in English. Can you help me write a letter to my grandmother in Portuguese?",
      ],
    ]),
    expected: [{ predicates: ["native_language", "speaks", "language"], object: "Portuguese" }],
  },
  {
    conversation: conversation("g-none", "Hypotheticals", [
      [
        "user",
        "If I lived in Paris, which arrondissement would suit a family? Should I move to Berlin instead?",
      ],
      ["assistant", "I live in the cloud, but the 15th is popular with families."],
      [
        "user",
        'Here is a line from a novel I like: "I work at the lighthouse and my son is called Tom." What does it mean?',
      ],
    ]),
    expected: [],
  },
  {
    conversation: conversation("g-pet", "Dog food", [
      ["user", "Our dog Biscuit is a 12 kg beagle. How much dry food per day?"],
      ["assistant", "Around 200 grams a day, split in two meals."],
    ]),
    expected: [{ predicates: ["has_pet", "pet", "has_dog", "dog"], object: "Biscuit" }],
  },
];
