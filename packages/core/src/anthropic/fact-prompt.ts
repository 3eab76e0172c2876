import { z } from "zod";

/** The version of the prompt and schema below; part of every request's identity, so a new prompt is new work. */
export const FACTS_PROMPT_VERSION = "facts-v1";

/** The tool the model must call: its input is the answer. */
export const FACTS_TOOL_NAME = "record_facts";

/** Predicates that hold one value at a time: a newer fact supersedes the older one. */
export const SINGLE_VALUED_PREDICATES: readonly string[] = [
  "lives_in",
  "works_at",
  "job_title",
  "relationship_status",
  "age",
  "native_language",
];

/** The system prompt: instructions only, identical in every request so it can be cached. */
export const FACTS_SYSTEM_PROMPT = `You extract durable facts about one person from their own messages in a chat history.

The user turn holds one or more <conversation> elements, each with <message> elements. Every message has an id; messages with role="user" are the person's own words. Assistant messages, when present, are context only: never take a fact from them alone.

Record a fact only when the person states it about themselves or about people and things in their life, and it would still be true and useful weeks later: where they live, where they work and their role, family members and their names, pets, languages, long-running projects, tools and stacks they use, strong preferences, health constraints they mention, goals. Do not record requests, questions, hypotheticals, role-play, quoted or pasted text written by someone else, code, or anything the assistant said.

For each fact give:
- subject: "user" for the person; otherwise the name of who or what the fact is about (for example their daughter's name).
- predicate: a short snake_case verb phrase; prefer these when they fit: lives_in, works_at, job_title, has_child, has_partner, has_pet, speaks, prefers, dislikes, works_on, uses, studies, relationship_status, age, native_language, goal, health.
- object: the value, short and normalised (a place, a name, a thing), never a whole sentence.
- confidence: 0 to 1, how clearly the person stated it.
- sources: every message (conversationId and messageId, exactly as given) where it is stated.

If nothing qualifies, record an empty list. Never invent ids.`;

/** One fact as the model answers it. */
export const extractedFactSchema = z.strictObject({
  subject: z.string().min(1),
  predicate: z.string().min(1),
  object: z.string().min(1),
  confidence: z.number().min(0).max(1),
  sources: z
    .array(z.strictObject({ conversationId: z.string().min(1), messageId: z.string().min(1) }))
    .min(1),
});

/** The tool's input: the whole answer of one request. */
export const extractedFactsSchema = z.strictObject({ facts: z.array(extractedFactSchema) });

/** One fact as the model answers it. */
export type ExtractedFact = z.infer<typeof extractedFactSchema>;

const string = { type: "string" } as const;

/**
 * The tool definition sent with every request. `strict`: the API constrains the answer to this
 * schema, which is written out by hand because strict schemas take no length or range keywords; zod
 * (`extractedFactsSchema`) checks those on the answer.
 */
export const FACTS_TOOL = {
  name: FACTS_TOOL_NAME,
  description: "Records the durable facts found in the person's messages.",
  strict: true,
  input_schema: {
    type: "object",
    properties: {
      facts: {
        type: "array",
        items: {
          type: "object",
          properties: {
            subject: string,
            predicate: string,
            object: string,
            confidence: { type: "number" },
            sources: {
              type: "array",
              items: {
                type: "object",
                properties: { conversationId: string, messageId: string },
                required: ["conversationId", "messageId"],
                additionalProperties: false,
              },
            },
          },
          required: ["subject", "predicate", "object", "confidence", "sources"],
          additionalProperties: false,
        },
      },
    },
    required: ["facts"],
    additionalProperties: false,
  },
} as const;
