// The design the facts stage replaces (seed 004): one request per 2,000-token chunk of each whole
// conversation, both roles, 10 in flight, no budget. Sent here through the same SDK, prompt, tool
// and fake server as threadmill's, so the two differ only in what they send and how they pack it.
import Anthropic from "@anthropic-ai/sdk";
import type { Conversation } from "@threadmill/core";
import { FACTS_SYSTEM_PROMPT, FACTS_TOOL, MODEL_PRICES, usageCostMicroUsd } from "@threadmill/core/anthropic";
import { createChunker, readExport } from "@threadmill/core/node";
import { createFileSource } from "@threadmill/core/node";
import pLimit from "p-limit";

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One chunk's messages in the wire format the fake reads (the chunk's own messages, whole). */
function packChunk(conversation: Conversation, messageIds: readonly string[]): string {
  const byId = new Map(conversation.messages.map((m) => [m.id, m]));
  const messages = messageIds
    .map((id) => byId.get(id))
    .filter((m) => m !== undefined)
    .map((m) => `<message id="${m.id}" role="${m.role}">\n${escapeText(m.text)}\n</message>`);
  return [`<conversation id="${conversation.id}">`, ...messages, "</conversation>"].join("\n");
}

/** What the seed's design sent and what it cost on the fake. */
export interface SeedDesignRun {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicroUsd: number;
}

/** Runs the seed's design over an export file against `baseURL`. */
export async function runSeedDesign(path: string, baseURL: string, model: string): Promise<SeedDesignRun> {
  const client = new Anthropic({ apiKey: "bench", baseURL, maxRetries: 0 });
  const chunker = createChunker({ maxTokens: 2000, overlapTokens: 0, tokenizer: "claude" });
  const limit = pLimit(10);
  const price = MODEL_PRICES["claude-haiku-4-5"]!;
  let requests = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costMicroUsd = 0;
  const pending: Promise<void>[] = [];
  for await (const conversation of readExport(createFileSource(path))) {
    for (const chunk of chunker.chunk(conversation)) {
      const text = packChunk(conversation, chunk.messageIds);
      pending.push(
        limit(async () => {
          const message = await client.messages.create({
            model,
            max_tokens: 2048,
            system: FACTS_SYSTEM_PROMPT,
            tools: [FACTS_TOOL as unknown as Anthropic.Tool],
            tool_choice: { type: "tool", name: FACTS_TOOL.name },
            messages: [{ role: "user", content: [{ type: "text", text }] }],
          });
          requests++;
          inputTokens += message.usage.input_tokens;
          outputTokens += message.usage.output_tokens;
          costMicroUsd += usageCostMicroUsd(message.usage, price, false);
        }),
      );
      // Bounded memory: wait for the queue to drain a little on big exports.
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
  }
  await Promise.all(pending);
  return { requests, inputTokens, outputTokens, costMicroUsd };
}
