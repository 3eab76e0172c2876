import { type Conversation, createBytesSource, type ParseIssue, readExport } from "@threadmill/core";
import { unzipSync, zipSync } from "fflate";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExportTruth, TruthConversation } from "./export-truth.js";
import { collectBytes } from "./collect-bytes.js";
import { generateExport } from "./generate-export.js";
import type { GeneratedExportFormat, GenerateExportOptions } from "./generate-export-options.js";

async function read(bytes: Uint8Array, options: { chunkBytes?: number; branches?: boolean } = {}) {
  const issues: ParseIssue[] = [];
  const conversations: Conversation[] = [];
  const source = createBytesSource(bytes, options.chunkBytes ? { chunkBytes: options.chunkBytes } : {});
  for await (const c of readExport(source, {
    onIssue: (i) => issues.push(i),
    branches: options.branches === false ? "active" : "all",
  })) {
    conversations.push(c);
  }
  return { conversations, issues };
}

function view(c: Conversation): TruthConversation {
  return {
    id: c.id,
    title: c.title,
    instructions: c.instructions,
    messages: c.messages.map((m) => ({
      id: m.id,
      role: m.role,
      text: m.text,
      createdAt: m.createdAt?.getTime() ?? null,
      attachments: m.attachments,
    })),
    branches: (c.branches ?? []).map((b) => ({
      id: b.id,
      forkMessageId: b.forkMessageId,
      messages: b.messages.map((m) => ({
        id: m.id,
        role: m.role,
        text: m.text,
        createdAt: m.createdAt?.getTime() ?? null,
        attachments: m.attachments,
      })),
    })),
  };
}

/** Issue codes reported per export once (compared by code only). */
const ONCE = new Set([
  "unknown-content-type",
  "unknown-role",
  "unknown-field",
  "malformed-conversation",
  "skipped-entry",
]);
const key = (i: { code: string; conversationId?: string }) =>
  ONCE.has(i.code) ? i.code : `${i.code}:${i.conversationId ?? ""}`;

function expectMatchesTruth(
  result: { conversations: Conversation[]; issues: ParseIssue[] },
  truth: ExportTruth,
) {
  expect(result.conversations.length).toBe(truth.conversationCount);
  expect(result.conversations.map(view)).toEqual(truth.conversations);
  expect(new Set(result.issues.map(key))).toEqual(new Set(truth.issues.map(key)));
}

const FORMATS: GeneratedExportFormat[] = [
  "chatgpt-json",
  "chatgpt-zip",
  "chatgpt-shards",
  "claude-json",
  "claude-zip",
];

describe("generateExport", () => {
  it("assistantChars sizes assistant messages apart from the user's, in both formats", async () => {
    for (const format of ["chatgpt-json", "claude-json"] as const) {
      const options = {
        format,
        seed: 3,
        conversations: 20,
        messageChars: [40, 60],
        assistantChars: [900, 1000],
      } as const;
      const generated = generateExport({ ...options, textHazards: 0, nonAscii: false, multimodal: 0 });
      const conversations = (await read(await collectBytes(generated.bytes()))).conversations;
      const lengths = (role: "user" | "assistant") =>
        conversations.flatMap((c) =>
          c.messages.filter((m) => m.role === role && m.text).map((m) => m.text.length),
        );
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      expect(median(lengths("assistant")), format).toBeGreaterThan(600);
      expect(median(lengths("user")), format).toBeLessThan(150);
    }
  });

  it("is deterministic for a seed", async () => {
    const a = await collectBytes(
      generateExport({ format: "chatgpt-json", seed: 7, targetBytes: 50_000 }).bytes(),
    );
    const b = await collectBytes(
      generateExport({ format: "chatgpt-json", seed: 7, targetBytes: 50_000 }).bytes(),
    );
    expect(a).toEqual(b);
    const c = await collectBytes(
      generateExport({ format: "chatgpt-json", seed: 8, targetBytes: 50_000 }).bytes(),
    );
    expect(c).not.toEqual(a);
  });

  for (const format of FORMATS) {
    it(`readExport output equals the truth (${format}, every knob on)`, async () => {
      const gen = generateExport({
        format,
        seed: 42,
        targetBytes: 300_000,
        malformed: 3,
        branches: 0.2,
        multimodal: 0.2,
        nullTimestamps: 0.1,
        nullCurrentNode: 0.2,
        textHazards: 0.05,
        nestedZip: format.endsWith("zip"),
        duplicates: 2,
      });
      const bytes = await collectBytes(gen.bytes());
      const result = await read(bytes);
      expect(gen.truth.conversationCount).toBeGreaterThan(2);
      expectMatchesTruth(result, gen.truth);
    });
  }

  it("Claude's split export: an index whose batches are a conversations-only ZIP (no users.json) and a side-files ZIP reads as the truth", async () => {
    const gen = generateExport({ format: "claude-zip", seed: 5, targetBytes: 100_000, sideFiles: false });
    const batch0 = await collectBytes(gen.bytes());
    expect(Object.keys(unzipSync(batch0))).toEqual(["conversations.json"]);
    const batch1 = zipSync({
      "users.json": new TextEncoder().encode('[{"uuid":"u"}]'),
      "projects.json": new TextEncoder().encode("[]"),
    });
    const files: Record<string, Uint8Array> = { "/b0.zip": batch0, "/b1.zip": batch1 };
    // A server that ignores Range (the reader then skips), reached through the `fetch` option.
    const fakeFetch: typeof fetch = async (input) => {
      const body = files[new URL(String(input)).pathname];
      return body
        ? new Response(body.slice(), { status: 200, headers: { "content-length": String(body.length) } })
        : new Response(null, { status: 404 });
    };
    const index = new TextEncoder().encode(
      JSON.stringify({
        data_files: [
          { file_name: "data-1-batch-0000.zip", export_url: "https://files.example/b0.zip?sig=t" },
          { file_name: "data-1-batch-0001.zip", export_url: "https://files.example/b1.zip?sig=t" },
        ],
      }),
    );
    const issues: ParseIssue[] = [];
    const conversations: Conversation[] = [];
    for await (const c of readExport(index, {
      fetch: fakeFetch,
      branches: "all",
      onIssue: (i) => issues.push(i),
    }))
      conversations.push(c);
    expect(gen.truth.conversationCount).toBeGreaterThan(2);
    expectMatchesTruth({ conversations, issues }, gen.truth);
    expect(conversations.every((c) => c.cursor.entry === "data-1-batch-0000.zip!conversations.json")).toBe(
      true,
    );
  });

  it("property: the same bytes in random chunk sizes give the same result", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORMATS),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 70_000 }),
        async (format, seed, chunkBytes) => {
          const gen = generateExport({ format, seed, targetBytes: 40_000, malformed: 1 });
          const bytes = await collectBytes(gen.bytes());
          const whole = await read(bytes);
          expect(await read(bytes, { chunkBytes })).toEqual(whole);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it("property: resuming from any cursor yields exactly the remaining conversations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORMATS),
        fc.integer({ min: 1, max: 100_000 }),
        fc.nat(),
        fc.integer({ min: 1, max: 70_000 }),
        async (format, seed, pick, chunkBytes) => {
          const gen = generateExport({ format, seed, targetBytes: 40_000 });
          const bytes = await collectBytes(gen.bytes());
          const all = (await read(bytes)).conversations;
          if (all.length === 0) return;
          const at = pick % all.length;
          const rest: Conversation[] = [];
          for await (const c of readExport(createBytesSource(bytes, { chunkBytes }), {
            start: all[at]!.cursor,
            branches: "all",
          }))
            rest.push(c);
          expect(rest).toEqual(all.slice(at + 1));
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it("property: any generated export reads back as its truth", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          format: fc.constantFrom(...FORMATS),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          targetBytes: fc.integer({ min: 500, max: 60_000 }),
          malformed: fc.integer({ min: 0, max: 2 }),
          branches: fc.double({ min: 0, max: 0.5, noNaN: true }),
          wrapper: fc.boolean(),
          pretty: fc.boolean(),
          bom: fc.boolean(),
        }),
        async (options: GenerateExportOptions) => {
          const gen = generateExport(options);
          const bytes = await collectBytes(gen.bytes());
          expectMatchesTruth(await read(bytes), gen.truth);
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
