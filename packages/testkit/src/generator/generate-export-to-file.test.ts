import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Conversation, readExport } from "@threadmill/core/node";
import { afterAll, describe, expect, it } from "vitest";
import { generateExportToFile } from "./generate-export-to-file.js";

const dir = mkdtempSync(join(tmpdir(), "threadmill-gen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ids(path: string) {
  const out: Conversation[] = [];
  for await (const c of readExport(path)) out.push(c);
  return out.map((c) => [c.id, c.messages.length]);
}

describe("generateExportToFile", () => {
  it("writes a JSON file, a ZIP and an unzipped shard folder that read back as their truth", async () => {
    for (const [name, format] of [
      ["c.json", "chatgpt-json"],
      ["c.zip", "claude-zip"],
      ["shards", "chatgpt-shards"],
    ] as const) {
      const path = join(dir, name);
      const truth = await generateExportToFile(path, { format, seed: 3, targetBytes: 80_000, duplicates: 1 });
      expect(await ids(path)).toEqual(truth.conversations.map((c) => [c.id, c.messages.length]));
      expect(truth.conversationCount).toBe(truth.conversations.length);
    }
    expect(readdirSync(join(dir, "shards")).sort()).toEqual([
      "conversations-000.json",
      "conversations-001.json",
      "conversations-002.json",
      "user.json",
    ]);
    expect(statSync(join(dir, "c.json")).size).toBeGreaterThan(80_000);
  });
});
