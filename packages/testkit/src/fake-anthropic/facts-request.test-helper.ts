// Builds requests as the facts wire contract describes them, for the fake's own tests (core's
// extractor builds the real ones).
import type Anthropic from "@anthropic-ai/sdk";

/** A message to pack: its ids, role and raw text. */
export interface PackInput {
  readonly conversationId: string;
  readonly title?: string;
  readonly messages: readonly { id: string; role: "user" | "assistant"; text: string; at?: string }[];
}

const attr = (v: string) =>
  v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const text = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** PACKED text of the contract for these conversations. */
export function pack(conversations: readonly PackInput[]): string {
  return conversations
    .map((c) => {
      const title = c.title ? ` title="${attr(c.title)}"` : "";
      const messages = c.messages.map(
        (m) =>
          `<message id="${attr(m.id)}" role="${m.role}"${m.at ? ` at="${m.at}"` : ""}>\n${text(m.text)}\n</message>`,
      );
      return [`<conversation id="${attr(c.conversationId)}"${title}>`, ...messages, "</conversation>"].join(
        "\n",
      );
    })
    .join("\n");
}

/** The `record_facts` tool of the contract, strict. */
export const RECORD_FACTS_TOOL: Anthropic.Tool = {
  name: "record_facts",
  description: "Record facts the user states about themselves.",
  strict: true,
  input_schema: {
    type: "object",
    additionalProperties: false,
    required: ["facts"],
    properties: {
      facts: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["subject", "predicate", "object", "confidence", "sources"],
          properties: {
            subject: { type: "string" },
            predicate: { type: "string" },
            object: { type: "string" },
            confidence: { type: "number" },
            sources: {
              type: "array",
              minItems: 1,
              items: {
                type: "object",
                additionalProperties: false,
                required: ["conversationId", "messageId"],
                properties: { conversationId: { type: "string" }, messageId: { type: "string" } },
              },
            },
          },
        },
      },
    },
  },
};

/** A contract request body for `packed`, with the given system prompt and overrides. */
export function factsRequest(
  packed: string,
  overrides: Record<string, unknown> = {},
): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: "claude-haiku-4-5",
    max_tokens: 4096,
    system: [{ type: "text", text: "Extract facts the user states about themselves." }],
    tools: [RECORD_FACTS_TOOL],
    tool_choice: { type: "tool", name: "record_facts" },
    messages: [{ role: "user", content: [{ type: "text", text: packed }] }],
    ...overrides,
  };
}
