import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Conversation } from "../export/conversation.js";
import { readExport } from "../node/read-export.js";
import { oracleCount, rejoin } from "../../test/support/chunk-test-helpers.js";
import { createChunker } from "./chunker.js";

// The shared real-world samples live beside the repository: <repo>/../shared/fixtures/real.
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, "../../../../../shared/fixtures/real");
const present = existsSync(FIXTURES);
if (!present && process.env.CI === "true") {
  throw new Error(`real fixtures missing at ${FIXTURES} (required when CI=true)`);
}
if (!present) console.warn(`[skip] real export fixtures not found at ${FIXTURES}`);
const suite = present ? describe : describe.skip;
const names = present ? readdirSync(FIXTURES).filter((n) => n !== "MANIFEST.md") : [];

suite("chunker on the real export samples", () => {
  it.each(names)("%s: every path chunks with 0 chunks over the limit and rejoins exactly", async (name) => {
    const conversations: Conversation[] = [];
    for await (const c of readExport(join(FIXTURES, name), { branches: "all", onIssue: () => {} })) {
      conversations.push(c);
    }
    expect(conversations.length).toBeGreaterThan(0);
    for (const [maxTokens, overlapTokens] of [
      [512, 64],
      [48, 8],
    ] as const) {
      const chunker = createChunker({ maxTokens, overlapTokens });
      for (const conversation of conversations) {
        const chunks = [...chunker.chunk(conversation)];
        for (const c of chunks) {
          expect(c.conversationId).toBe(conversation.id);
          expect(oracleCount(c.text)).toBe(c.tokens);
          expect(c.tokens).toBeLessThanOrEqual(maxTokens);
        }
        const paths = [
          { branchId: null, messages: conversation.messages },
          ...(conversation.branches ?? []).map((b) => ({ branchId: b.id, messages: b.messages })),
        ];
        for (const path of paths) {
          const own = chunks.filter((c) => c.branchId === path.branchId);
          expect(rejoin(own)).toBe(chunker.format(path.messages));
        }
      }
    }
  });
});
