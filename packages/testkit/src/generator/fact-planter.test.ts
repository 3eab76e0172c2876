import { createHash } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { type Conversation, createBytesSource, readExport } from "@threadmill/core";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../fake-anthropic/create-fake-anthropic.js";
import { factsRequest, pack } from "../fake-anthropic/facts-request.test-helper.js";
import { findPlantedFacts } from "../planted-facts/planted-facts.js";
import { collectBytes } from "./collect-bytes.js";
import { generateExport } from "./generate-export.js";
import type { GeneratedExportFormat, GenerateExportOptions } from "./generate-export-options.js";

const FORMATS: GeneratedExportFormat[] = [
  "chatgpt-json",
  "chatgpt-zip",
  "chatgpt-shards",
  "claude-json",
  "claude-zip",
];
const KNOBS = {
  seed: 42,
  targetBytes: 120_000,
  malformed: 1,
  branches: 0.2,
  multimodal: 0.2,
  textHazards: 0.05,
};

async function read(options: GenerateExportOptions) {
  const gen = generateExport(options);
  const bytes = await collectBytes(gen.bytes());
  const conversations: Conversation[] = [];
  for await (const c of readExport(createBytesSource(bytes), { branches: "all" })) conversations.push(c);
  return { gen, bytes, conversations };
}

/** Every planted sentence the parsed export holds, per message, as the fake would read them. */
function found(conversations: Conversation[], which: "user" | "assistant" | "branches") {
  const out: { predicate: string; object: string; conversationId: string; messageId: string }[] = [];
  for (const c of conversations) {
    const messages =
      which === "branches"
        ? (c.branches ?? []).flatMap((b) => b.messages)
        : c.messages.filter((m) => m.role === which);
    for (const m of messages) {
      for (const f of findPlantedFacts(m.text)) {
        out.push({ predicate: f.predicate, object: f.object, conversationId: c.id, messageId: m.id });
      }
    }
  }
  return out;
}

describe("generateExport: planted facts and pastes", () => {
  it("with planting off the export is byte for byte what it was before planting existed", async () => {
    // sha256 of the JSON bytes (or of the sorted ZIP entries, whose times vary) and of the truth,
    // recorded from the generator before this option existed.
    const before: Record<GeneratedExportFormat, [string, string]> = {
      "chatgpt-json": ["d721dcc4197a401d", "c0b593dceacd6f47"],
      "chatgpt-zip": ["9c85cf0971acaa61", "f1ef1db8c1f7aab0"],
      "chatgpt-shards": ["f8b93365d23924f4", "beaa5b37f9f2d00d"],
      "claude-json": ["17bce5fc79cc620d", "18da91a1b542b1cb"],
      "claude-zip": ["825eae5b2f17978c", "dca85011ffd0e362"],
    };
    for (const format of FORMATS) {
      for (const extra of [{}, { facts: undefined, pastes: 0 }]) {
        const gen = generateExport({ format, ...KNOBS, nestedZip: format.endsWith("zip"), ...extra });
        const bytes = await collectBytes(gen.bytes());
        const h = createHash("sha256");
        if (format.endsWith("json")) h.update(bytes);
        else for (const [name, data] of Object.entries(unzipSync(bytes)).sort()) h.update(name).update(data);
        const { plantedFacts, pastes, ...truth } = gen.truth;
        const truthHash = createHash("sha256").update(JSON.stringify(truth)).digest("hex").slice(0, 16);
        expect([h.digest("hex").slice(0, 16), truthHash]).toEqual(before[format]);
        expect([plantedFacts, pastes]).toEqual([[], []]);
      }
    }
  });

  for (const format of FORMATS) {
    it(`plants facts only in active user messages, recorded with the ids readExport yields (${format})`, async () => {
      const { gen, conversations } = await read({
        format,
        ...KNOBS,
        facts: { perConversation: 2 },
        pastes: 0.2,
      });
      const truth = gen.truth.plantedFacts;
      expect(truth.length).toBeGreaterThan(conversations.length);
      const key = (f: { predicate: string; object: string; conversationId: string; messageId: string }) =>
        `${f.conversationId}/${f.messageId}/${f.predicate}/${f.object}`;
      expect(found(conversations, "user").map(key).sort()).toEqual(truth.map(key).sort());
      expect(found(conversations, "assistant")).toEqual([]);
      expect(found(conversations, "branches")).toEqual([]);
      expect(truth.every((f) => f.subject === "user")).toBe(true);
      const perConversation = new Map<string, number>();
      for (const f of truth)
        perConversation.set(f.conversationId, (perConversation.get(f.conversationId) ?? 0) + 1);
      expect(Math.max(...perConversation.values())).toBeLessThanOrEqual(2);
      const texts = (list: { messages: { text: string }[] }[]) =>
        list.map((c) => c.messages.map((m) => m.text));
      expect(texts(conversations)).toEqual(texts(gen.truth.conversations));
    });
  }

  it("pastes fenced code blocks and long logs into user messages, recorded in truth.pastes", async () => {
    const { gen, conversations } = await read({ format: "claude-json", ...KNOBS, pastes: 0.3 });
    const byId = new Map(
      conversations.flatMap((c) => c.messages.map((m) => [`${c.id}/${m.id}`, m] as const)),
    );
    const pastes = gen.truth.pastes;
    expect(new Set(pastes.map((p) => p.kind))).toEqual(new Set(["code", "log"]));
    for (const p of pastes) {
      const message = byId.get(`${p.conversationId}/${p.messageId}`)!;
      expect(message.role).toBe("user");
      expect(message.text).toContain(`\n\n${p.text}`);
      if (p.kind === "code") expect(p.text).toMatch(/^```[a-z]*\n[\s\S]+\n```$/);
      else expect(p.text.split("\n").length).toBeGreaterThanOrEqual(40);
    }
    expect(gen.truth.plantedFacts).toEqual([]);
  });

  it("planting changes only the planted user messages: same conversations, ids and assistant text", async () => {
    for (const format of ["chatgpt-json", "claude-json"] as const) {
      const base = { format, seed: 9, conversations: 12, multimodal: 0.2 };
      const off = await read(base);
      const on = await read({ ...base, facts: { perConversation: 3, seed: 5 }, pastes: 0.2 });
      const planted = new Set([...on.gen.truth.plantedFacts, ...on.gen.truth.pastes].map((f) => f.messageId));
      expect(planted.size).toBeGreaterThan(10);
      expect(on.conversations.map((c) => c.id)).toEqual(off.conversations.map((c) => c.id));
      for (const [i, c] of on.conversations.entries()) {
        const before = off.conversations[i]!;
        expect(c.messages.map((m) => [m.id, m.role])).toEqual(before.messages.map((m) => [m.id, m.role]));
        for (const [j, m] of c.messages.entries()) {
          if (planted.has(m.id))
            expect(m.text).toContain(before.messages[j]!.text.replace(/ (nul|\uFFFD tail)$/, ""));
          else expect(m.text).toBe(before.messages[j]!.text);
        }
      }
    }
  });

  it("the fake Anthropic server extracts exactly the planted facts of a generated export", async () => {
    const { gen, conversations } = await read({
      format: "chatgpt-zip",
      ...KNOBS,
      facts: { perConversation: 1 },
    });
    const fake = await createFakeAnthropic();
    try {
      const client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
      const packed = pack(
        conversations.map((c) => ({
          conversationId: c.id,
          messages: c.messages.map((m) => ({ id: m.id, role: m.role, text: m.text })),
        })),
      );
      const body = factsRequest(packed, { max_tokens: 64_000 }) as Anthropic.MessageCreateParamsNonStreaming;
      const message = await client.messages.create(body, { timeout: 60_000 });
      const { facts } = (message.content[0] as Anthropic.ToolUseBlock).input as {
        facts: {
          subject: string;
          predicate: string;
          object: string;
          sources: { conversationId: string; messageId: string }[];
        }[];
      };
      expect(
        facts.map((f) => ({ subject: f.subject, predicate: f.predicate, object: f.object, ...f.sources[0] })),
      ).toEqual(gen.truth.plantedFacts);
    } finally {
      await fake.close();
    }
  });
});
