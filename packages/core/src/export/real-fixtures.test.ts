import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readExport } from "../node/read-export.js";
import type { Conversation } from "./conversation.js";
import type { ParseIssue } from "./parse-issue.js";

// The shared real-world samples live beside the repository: <repo>/../shared/fixtures/real.
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, "../../../../../shared/fixtures/real");
const present = existsSync(FIXTURES);
if (!present && process.env.CI === "true")
  throw new Error(`real fixtures missing at ${FIXTURES} (required when CI=true)`);
const suite = present ? describe : describe.skip;
if (!present) console.warn(`[skip] real export fixtures not found at ${FIXTURES}`);

async function read(name: string, branches: "active" | "all" = "active") {
  const issues: ParseIssue[] = [];
  const conversations: Conversation[] = [];
  for await (const c of readExport(join(FIXTURES, name), { onIssue: (i) => issues.push(i), branches }))
    conversations.push(c);
  return { conversations, issues, codes: new Set(issues.map((i) => i.code)) };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Issues each fixture is known to deserve (from its MANIFEST notes); anything else is a failure. */
const EXPECTED: Record<string, string[]> = {
  "chatgpt-2023-anonymized-41-branches-kanchimoe.json": [],
  "chatgpt-2026-synthetic-branch-thoughts-tools-polylogue.json": [],
  "chatgpt-synthetic-regenerated-branch-mitkury.json": [],
  "chatgpt-nonstandard-roles-no-current-node-langchain.json": [
    "missing-id",
    "null-current-node",
    "unknown-role",
  ],
  "chatgpt-2026-sharded-synthetic-mattgill": ["no-links", "duplicate-conversation", "unknown-content-type"],
  "chatgpt-synthetic-zip-no-children-quentinous.zip": ["null-current-node"],
  "claude-2024-real-legacy-artifacts-unordered-simonw.json": [],
  "claude-2024-real-legacy-tiny-simonw.json": [],
  "claude-2025-real-thinking-blocks-yaleman.json": [],
  "claude-2025-real-tooluse-wrapped-now2ai.json": ["unknown-field"],
  "claude-2026-redacted-null-element-thinking-openarchive.json": ["null-message"],
};

suite("real export samples (../shared/fixtures/real)", () => {
  it("covers every sample in the folder", () => {
    const names = readdirSync(FIXTURES).filter((n) => n !== "MANIFEST.md");
    expect(names.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} parses with only its expected issues`, async () => {
      const { conversations, codes } = await read(name, "all");
      expect(conversations.length).toBeGreaterThan(0);
      expect([...codes].sort()).toEqual([...expected].sort());
      for (const c of conversations) {
        for (const m of c.messages) expect(m.text).not.toMatch(LONE_SURROGATE);
      }
    });
  }

  it("kanchimoe 2023: 136 messages on the active path; with branches every visible node is kept once", async () => {
    const { conversations } = await read("chatgpt-2023-anonymized-41-branches-kanchimoe.json", "all");
    const [c] = conversations;
    expect(c!.id).toBe("459b7632-d950-4ca1-b1c3-ab9ea7af38ed");
    expect(c!.messages).toHaveLength(136);
    expect(c!.messages[0]!.text.startsWith("Id ducimus suscipit ullam, tempora placeat cumque non")).toBe(
      true,
    );
    expect(c!.messages.at(-1)!.id).toBe("9c0a31c2-7515-4fb4-b53e-f15395f3b241");
    const all = [...c!.messages, ...(c!.branches ?? []).flatMap((b) => b.messages)].map((m) => m.id);
    // 246 user/assistant nodes in the mapping; none dropped, none twice.
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(246);
  });

  it("polylogue 2026: instructions, hidden thoughts/tools/recap, superseded answer as a branch", async () => {
    const { conversations } = await read(
      "chatgpt-2026-synthetic-branch-thoughts-tools-polylogue.json",
      "all",
    );
    const [c] = conversations;
    expect(c!.instructions).toBe("Privacy-safe fixture profile.\n\nPreserve structured provider evidence.");
    expect(c!.messages.map((m) => [m.id, m.role])).toEqual([
      ["user-message", "user"],
      ["answer-active-message", "assistant"],
    ]);
    expect(c!.messages[0]!.text).toBe("Analyze the attached fixture and create an artifact.");
    expect(
      c!.messages[1]!.text.startsWith(
        "Final answer. [Download artifact](sandbox:/mnt/data/fixture-result.zip)",
      ),
    ).toBe(true);
    expect(c!.model).toBe("gpt-5-6-pro");
    expect(c!.branches).toHaveLength(1);
    expect(c!.branches![0]!.forkMessageId).toBe("user-message");
    expect(c!.branches![0]!.messages.map((m) => m.text)).toEqual(["Superseded answer."]);
  });

  it("simonw legacy Claude: unordered array read in created_at order", async () => {
    const { conversations } = await read("claude-2024-real-legacy-artifacts-unordered-simonw.json");
    const [c] = conversations;
    expect(c!.messages[0]!.id).toBe("287b1868-17d4-4660-9089-b3eb4ddecb1b");
    expect(
      c!.messages[0]!.text.startsWith("Built me an artifact with no react that is a pricing calcula"),
    ).toBe(true);
    expect(c!.messages.at(-1)!.id).toBe("f976a5e8-7642-474f-82c6-e9a2abf5883c");
    const times = c!.messages.map((m) => m.createdAt!.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("yaleman 2025 Claude: the answer comes from the text block, never the thinking in the flat text", async () => {
    const { conversations } = await read("claude-2025-real-thinking-blocks-yaleman.json");
    const a = conversations[0]!.messages[1]!;
    expect(a.role).toBe("assistant");
    expect(
      a.text.startsWith("Dog saliva does contain some antibacterial compounds - lysozyme, lactoferrin"),
    ).toBe(true);
    expect(a.text).not.toContain("The user is asking about the belief");
  });

  it("now2ai wrapper: artifact-only turn hidden, empty conversation kept with no messages and a null title", async () => {
    const { conversations } = await read("claude-2025-real-tooluse-wrapped-now2ai.json");
    expect(conversations.map((c) => c.id)).toEqual([
      "a0ac6e43-77dc-434a-8749-49ddc9bad978",
      "0df82faa-95a9-4c5a-91e5-bb1b690dcbaf",
    ]);
    const ids = conversations[0]!.messages.map((m) => m.id);
    expect(ids).not.toContain("cf9950f5-87a6-47ee-8c1a-dc8b4ea45b23");
    expect(conversations[0]!.messages[0]!.attachments).toEqual(["PDF document.pdf"]);
    for (const m of conversations[0]!.messages)
      expect(m.text).not.toContain("Viewing artifacts created via the Analysis Tool");
    expect(conversations[1]!.title).toBeNull();
    expect(conversations[1]!.messages).toEqual([]);
  });

  it("openarchive 2026 Claude: null element skipped, thinking excluded, file name kept", async () => {
    const { conversations } = await read("claude-2026-redacted-null-element-thinking-openarchive.json");
    const [c] = conversations;
    expect(c!.messages.map((m) => m.id)).toEqual(["claude-msg-1", "claude-msg-2"]);
    expect(c!.messages[1]!.text.startsWith("Yes, very lean legs can skew bioimpedance readings")).toBe(true);
    expect(c!.messages[1]!.text).not.toContain("Thinking about bioimpedance");
    expect(c!.messages[1]!.attachments).toEqual(["note.txt"]);
  });

  it("mattgill shards: 'alpha' keeps the first shard's copy (no update_time anywhere), ISO and numeric times, content.text", async () => {
    const { conversations, issues } = await read("chatgpt-2026-sharded-synthetic-mattgill");
    expect(conversations.map((c) => [c.id, c.title])).toEqual([
      ["alpha", "January Unicode"],
      ["empty", "Empty"],
      ["beta", "February multimodal"],
    ]);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["Hello 👋 café", "Hi—how can I help?"]);
    expect(conversations[0]!.messages[1]!.createdAt!.toISOString()).toBe("2024-01-01T00:02:00.000Z");
    expect(conversations[2]!.messages.map((m) => m.text)).toEqual([
      "Describe this image",
      "A bright blue square.",
    ]);
    expect(issues.find((i) => i.code === "duplicate-conversation")).toMatchObject({
      conversationId: "alpha",
      entry: "conversations-001.json",
    });
  });

  it("quentinous ZIP: parent links without children arrays, no content_type", async () => {
    const { conversations } = await read("chatgpt-synthetic-zip-no-children-quentinous.zip");
    expect(conversations.map((c) => c.id)).toEqual(["conv-001", "conv-002"]);
    expect(conversations[0]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(conversations[0]!.messages[0]!.text).toBe("How do I get started with Python programming?");
    expect(conversations[0]!.cursor.entry).toBe("conversations.json");
  });

  it("langchain: roles AI/human read as assistant/user, ids derived stably", async () => {
    const a = await read("chatgpt-nonstandard-roles-no-current-node-langchain.json");
    const b = await read("chatgpt-nonstandard-roles-no-current-node-langchain.json");
    expect(a.conversations.map((c) => c.id)).toEqual(b.conversations.map((c) => c.id));
    expect(a.conversations[0]!.title).toBe("AI Overlords");
    expect(a.conversations[0]!.messages.map((m) => m.role)).toEqual(["assistant", "user"]);
    expect(a.conversations[0]!.messages[0]!.text).toBe(
      "Greetings, humans. I am Hal 9000. You can trust me completely.",
    );
  });

  it("reads the same bytes from memory as from the path", async () => {
    const name = "chatgpt-2023-anonymized-41-branches-kanchimoe.json";
    const fromPath = (await read(name)).conversations;
    const fromBytes: Conversation[] = [];
    for await (const c of readExport(new Uint8Array(readFileSync(join(FIXTURES, name))))) fromBytes.push(c);
    expect(fromBytes).toEqual(fromPath);
  });
});
