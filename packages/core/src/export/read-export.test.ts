import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import { createBytesSource } from "../source/create-bytes-source.js";
import { createStreamSource } from "../source/create-stream-source.js";
import type { Conversation } from "./conversation.js";
import type { ParseIssue } from "./parse-issue.js";
import { readExport } from "./read-export.js";

const enc = new TextEncoder();
const oneChunk = (c: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
  c.enqueue(bytes);
  c.close();
};
type Json = Record<string, unknown>;

/** A ChatGPT conversation whose nodes are a chain of user/assistant text messages. */
function chatgpt(id: string, texts: string[], extra: Json = {}): Json {
  const mapping: Record<string, Json> = {
    root: { id: "root", message: null, parent: null, children: texts.length ? ["m0"] : [] },
  };
  texts.forEach((text, i) => {
    mapping[`m${i}`] = {
      id: `m${i}`,
      parent: i === 0 ? "root" : `m${i - 1}`,
      children: i + 1 < texts.length ? [`m${i + 1}`] : [],
      message: {
        id: `m${i}`,
        author: { role: i % 2 ? "assistant" : "user" },
        create_time: 1700000000 + i,
        content: { content_type: "text", parts: [text] },
        recipient: "all",
        metadata: {},
      },
    };
  });
  return {
    id,
    title: `t-${id}`,
    create_time: 1700000000,
    update_time: 1700000100,
    mapping,
    current_node: texts.length ? `m${texts.length - 1}` : "root",
    ...extra,
  };
}

async function read(
  input: Uint8Array | string | Json[] | Json,
  options: Parameters<typeof readExport>[1] = {},
  chunkBytes?: number,
) {
  const bytes =
    input instanceof Uint8Array
      ? input
      : enc.encode(typeof input === "string" ? input : JSON.stringify(input));
  const issues: ParseIssue[] = [];
  const conversations: Conversation[] = [];
  const source = createBytesSource(bytes, chunkBytes ? { chunkBytes } : {});
  for await (const c of readExport(source, { onIssue: (i) => issues.push(i), ...options }))
    conversations.push(c);
  return { conversations, issues, codes: issues.map((i) => i.code) };
}

async function rejects(input: Uint8Array | string, reason: string) {
  const error = await read(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(ExportFormatError.isInstance(error)).toBe(true);
  expect((error as ExportFormatError).reason).toBe(reason);
  return error as ExportFormatError;
}

describe("readExport: layouts (edge cases 1 and 2)", () => {
  it("reads one minified line, a BOM and pretty-printed input alike", async () => {
    const data = [chatgpt("a", ["hi", "hello"]), chatgpt("b", ["x"])];
    const minified = await read(data);
    const pretty = await read(`\uFEFF${JSON.stringify(data, null, 2)}\n`);
    expect(minified.conversations.map((c) => c.messages.map((m) => m.text))).toEqual([
      ["hi", "hello"],
      ["x"],
    ]);
    expect(pretty.conversations.map((c) => c.messages)).toEqual(
      minified.conversations.map((c) => c.messages),
    );
  });

  it("reads a { conversations: [...] } wrapper and one bare conversation object", async () => {
    const wrapped = await read({ exported: true, conversations: [chatgpt("a", ["hi"])] });
    expect(wrapped.conversations.map((c) => c.id)).toEqual(["a"]);
    const bare = await read(chatgpt("solo", ["one", "two"]));
    expect(bare.conversations.map((c) => [c.id, c.cursor.index])).toEqual([["solo", 0]]);
  });

  it("treats [] and { conversations: [] } as valid empty exports", async () => {
    expect((await read("[]")).conversations).toEqual([]);
    expect((await read(`{"conversations": []}`)).conversations).toEqual([]);
  });

  it("throws ExportFormatError for empty, non-JSON, wrong-shape and early-truncated input", async () => {
    await rejects("", "empty-input");
    await rejects("  \n", "empty-input");
    await rejects("hello world", "not-json");
    await rejects(`[{"a":1},{"b":2}]`, "unknown-format");
    await rejects(`{"users": [1]}`, "unknown-format");
    await rejects(`[1, 2, "three"]`, "unknown-format");
    await rejects(`[{"id":"a","mapping":{"x":`, "truncated");
    const e = await rejects(`{"id":"a","mapping":`, "truncated");
    expect(e.message).toMatch(/truncated/);
  });

  it("detects Claude from content, not from file names", async () => {
    const claude = [
      {
        uuid: "c1",
        name: "n",
        chat_messages: [{ uuid: "u", sender: "human", text: "hey", created_at: "2024-01-01T00:00:00Z" }],
      },
    ];
    const { conversations } = await read(claude);
    expect(conversations[0]).toMatchObject({ id: "c1", source: "claude", title: "n" });
  });
});

describe("readExport: ZIPs (edge cases 2 and 3)", () => {
  const zip = (files: Record<string, string>) =>
    zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])));

  it("reads conversations.json from a ChatGPT ZIP, in a sub-folder too", async () => {
    const { conversations } = await read(
      zip({ "user.json": "{}", "export/conversations.json": JSON.stringify([chatgpt("z", ["a"])]) }),
    );
    expect(conversations.map((c) => [c.id, c.cursor.entry])).toEqual([["z", "export/conversations.json"]]);
  });

  it("reads a Claude ZIP without users.json (split export part)", async () => {
    const data = [{ uuid: "c1", name: "n", chat_messages: [] }];
    const { conversations } = await read(
      zip({ "conversations.json": JSON.stringify(data), "projects.json": "[]" }),
    );
    expect(conversations.map((c) => c.source)).toEqual(["claude"]);
  });

  it("names what it found when a ZIP holds no conversations file", async () => {
    const error = await rejects(zip({ "users.json": "[]", "projects.json": "[]" }), "no-conversations-file");
    expect(error.message).toMatch(/users\.json/);
  });

  it("merges shards in numeric order and keeps the newest copy of a duplicate", async () => {
    const old = chatgpt("dup", ["old"], { update_time: 100 });
    const newer = chatgpt("dup", ["new"], { update_time: 200 });
    const { conversations, issues } = await read(
      zip({
        "conversations-010.json": JSON.stringify([chatgpt("late", ["z"])]),
        "conversations-002.json": JSON.stringify([newer, chatgpt("b", ["b"])]),
        "conversations-001.json": JSON.stringify([chatgpt("a", ["a"]), old]),
      }),
    );
    expect(conversations.map((c) => [c.id, c.messages[0]?.text, c.cursor.entry])).toEqual([
      ["a", "a", "conversations-001.json"],
      ["dup", "new", "conversations-002.json"],
      ["b", "b", "conversations-002.json"],
      ["late", "z", "conversations-010.json"],
    ]);
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: "duplicate-conversation",
        conversationId: "dup",
        entry: "conversations-001.json",
      }),
    );
  });

  it("reads conversations.json when shards sit beside it, and reports the shards as skipped", async () => {
    const { conversations, issues } = await read(
      zip({
        "conversations.json": JSON.stringify([chatgpt("main", ["m"])]),
        "conversations-000.json": JSON.stringify([chatgpt("s", ["s"])]),
      }),
    );
    expect(conversations.map((c) => c.id)).toEqual(["main"]);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: "skipped-entry", entry: "conversations-000.json" }),
    );
  });

  it("a copy without update_time never beats one with it; on a tie the earlier shard stays", async () => {
    const { conversations } = await read(
      zip({
        "conversations-000.json": JSON.stringify([
          chatgpt("x", ["first"], { update_time: 5 }),
          chatgpt("y", ["y1"], { update_time: 7 }),
        ]),
        "conversations-001.json": JSON.stringify([
          chatgpt("x", ["second"], { update_time: null }),
          chatgpt("y", ["y2"], { update_time: 7 }),
        ]),
      }),
    );
    expect(conversations.map((c) => c.messages[0]!.text)).toEqual(["first", "y1"]);
  });

  it("does not follow nested ZIPs, and entry names never matter beyond their base name (zip-slip)", async () => {
    const inner = zip({ "conversations.json": JSON.stringify([chatgpt("inner", ["no"])]) });
    const outer = zipSync({
      "inner.zip": inner,
      "../../etc/conversations.json": enc.encode(JSON.stringify([chatgpt("slip", ["ok"])])),
    });
    const { conversations, issues } = await read(outer);
    expect(conversations.map((c) => c.id)).toEqual(["slip"]);
    expect(issues).toContainEqual(expect.objectContaining({ code: "skipped-entry", entry: "inner.zip" }));
  });

  it("does not follow a symlink entry, even one named conversations.json", async () => {
    const bytes = zipSync({
      "conversations.json": [enc.encode("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
      "export/conversations-000.json": enc.encode(JSON.stringify([chatgpt("real", ["x"])])),
    });
    const { conversations, issues } = await read(bytes);
    expect(conversations.map((c) => c.id)).toEqual(["real"]);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: "skipped-entry", entry: "conversations.json" }),
    );
  });

  it("reads stored (uncompressed) entries and resumes inside them", async () => {
    const data = JSON.stringify([chatgpt("a", ["1"]), chatgpt("b", ["2"]), chatgpt("c", ["3"])]);
    const bytes = zipSync({ "conversations.json": [enc.encode(data), { level: 0 }] });
    const all = await read(bytes);
    const rest = await read(bytes, { start: all.conversations[0]!.cursor });
    expect(rest.conversations.map((c) => c.id)).toEqual(["b", "c"]);
  });

  it("refuses a ZIP it cannot seek in (a one-shot stream) with a clear error", async () => {
    const bytes = zip({ "conversations.json": "[]" });
    const stream = new ReadableStream<Uint8Array>({ start: (c) => oneChunk(c, bytes) });
    const error = await (async () => {
      for await (const _ of readExport(stream)) void _;
    })().catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("unreadable");
  });
});

describe("readExport: graph faults (edge case 4, seed 002 pitfall 10)", () => {
  it("falls back to the newest leaf for a null or dangling current_node, and reports it", async () => {
    const c = chatgpt("a", ["u1", "a1"]);
    const mapping = c.mapping as Record<string, Json>;
    mapping.alt = {
      id: "alt",
      parent: "m0",
      children: [],
      message: {
        author: { role: "assistant" },
        create_time: 1600000000,
        content: { content_type: "text", parts: ["old alt"] },
      },
    };
    (mapping.m0!.children as string[]).push("alt");
    for (const current of [null, "nope"]) {
      const { conversations, codes } = await read([{ ...c, current_node: current }]);
      expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["u1", "a1"]);
      expect(codes).toContain(current === null ? "null-current-node" : "dangling-current-node");
    }
  });

  it("survives a 20,000-deep thread (no recursion), with branches too", async () => {
    const texts = Array.from({ length: 20_000 }, (_, i) => `t${i}`);
    const { conversations } = await read([chatgpt("deep", texts)], { branches: "all" });
    expect(conversations[0]!.messages).toHaveLength(20_000);
    expect(conversations[0]!.messages.at(-1)!.text).toBe("t19999");
  });

  it("survives JSON nested 100,000 levels deep inside a conversation (nothing recurses over input)", async () => {
    const nested = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const c = JSON.stringify(chatgpt("nest", ["a", "b"]));
    const text = `[${c.slice(0, -1)},"metadata":${nested}}]`;
    const { conversations } = await read(text, { branches: "all" }, 4096);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["a", "b"]);
  });

  it("breaks cycles, tolerates orphans, dangling links and several roots, and reports each", async () => {
    const node = (id: string, parent: string | null, children: string[], text: string, t: number) => ({
      id,
      parent,
      children,
      message: { author: { role: "user" }, create_time: t, content: { content_type: "text", parts: [text] } },
    });
    const mapping = {
      a: node("a", null, ["b", "ghost"], "A", 1),
      b: node("b", "a", [], "B", 2),
      c1: node("c1", "c2", [], "C1", 3),
      c2: node("c2", "c1", [], "C2", 4),
      orphan: node("orphan", "missing", [], "O", 5),
    };
    const { conversations, codes } = await read([{ id: "g", mapping, current_node: "b" }], {
      branches: "all",
    });
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["A", "B"]);
    expect(codes).toEqual(
      expect.arrayContaining(["cycle", "dangling-parent", "dangling-child", "multiple-roots"]),
    );
    const kept = conversations[0]!.branches!.flatMap((b) => b.messages.map((m) => m.text)).sort();
    expect(kept).toEqual(["C1", "C2", "O"]);
  });

  it("lets the parent link win when parent and children disagree, and reports it", async () => {
    const m = (role: string, text: string, parent: string | null, children: string[]) => ({
      parent,
      children,
      message: { author: { role }, create_time: 1, content: { content_type: "text", parts: [text] } },
    });
    // b says its parent is a; c also lists b as a child.
    const mapping = {
      a: m("user", "A", null, ["b"]),
      c: m("user", "C", null, ["b"]),
      b: m("assistant", "B", "a", []),
    };
    const { conversations, codes } = await read([{ id: "d", mapping, current_node: "b" }]);
    expect(conversations[0]!.messages.map((x) => x.text)).toEqual(["A", "B"]);
    expect(codes).toEqual(expect.arrayContaining(["link-conflict", "multiple-roots"]));
  });

  it("reads a 6 MB conversation spread over many small chunks (edge case 10, scaled down)", async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `${i} ${"lorem ipsum ".repeat(1700)}`);
    const { conversations } = await read([chatgpt("big", texts), chatgpt("after", ["ok"])], {}, 65536);
    expect(conversations.map((c) => c.id)).toEqual(["big", "after"]);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(texts);
  });

  it("derives parents from children when nodes have no parent key (2023 roots without message/parent keys)", async () => {
    const mapping = {
      r: { id: "r", children: ["x"] },
      x: { id: "x", children: ["y"], message: { author: { role: "user" }, content: { parts: ["q"] } } },
      y: {
        id: "y",
        children: [],
        message: { author: { role: "assistant" }, content: { content_type: "text", text: "legacy text" } },
      },
    };
    const { conversations, codes } = await read([
      { conversation_id: "only-cid", mapping, current_node: "y" },
    ]);
    expect(conversations[0]!.id).toBe("only-cid");
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["q", "legacy text"]);
    expect(codes).toEqual([]);
  });

  it("orders nodes by create_time when there are no links at all", async () => {
    const msg = (role: string, t: number | string, text: string) => ({
      message: { author: { role }, create_time: t, content: { content_type: "text", parts: [text] } },
    });
    const mapping = {
      b: msg("assistant", 20, "second"),
      a: msg("user", "1970-01-01T00:00:10Z", "first"),
      c: msg("user", 30_000, "third (ms)"),
    };
    const { conversations, codes } = await read([{ id: "n", mapping }]);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["first", "second", "third (ms)"]);
    expect(codes).toContain("no-links");
  });

  it("with branches: 'all' keeps every edit and regeneration (seed 004: not only the active path)", async () => {
    const m = (role: string, text: string, parent: string | null, children: string[], t: number) => ({
      parent,
      children,
      message: { author: { role }, create_time: t, content: { content_type: "text", parts: [text] } },
    });
    const mapping = {
      u: m("user", "question", null, ["a1", "a2"], 1),
      a1: m("assistant", "first answer", "u", ["e1"], 2),
      e1: m("user", "follow-up on first", "a1", [], 3),
      a2: m("assistant", "regenerated answer", "u", [], 4),
    };
    const { conversations } = await read([{ id: "br", mapping, current_node: "a2" }], { branches: "all" });
    const c = conversations[0]!;
    expect(c.messages.map((x) => x.text)).toEqual(["question", "regenerated answer"]);
    expect(c.branches).toEqual([
      {
        id: "e1",
        forkMessageId: "u",
        messages: [
          expect.objectContaining({ text: "first answer" }),
          expect.objectContaining({ text: "follow-up on first" }),
        ],
      },
    ]);
    const active = await read([{ id: "br", mapping, current_node: "a2" }]);
    expect(active.conversations[0]!.branches).toBeUndefined();
  });
});

describe("readExport: messages and content (edge cases 5, 6, 7, 9)", () => {
  const one = (message: Json, extra: Json = {}) => [
    {
      id: "c",
      mapping: { n: { id: "n", parent: null, children: [], message } },
      current_node: "n",
      ...extra,
    },
  ];
  const text = async (message: Json) =>
    (await read(one(message))).conversations[0]!.messages.map((m) => m.text);

  it("shows only user/assistant messages to all, not hidden, of type text/multimodal_text/code", async () => {
    expect(
      await text({ author: { role: "user" }, content: { content_type: "text", parts: ["shown"] } }),
    ).toEqual(["shown"]);
    expect(
      await text({
        author: { role: "assistant" },
        recipient: "browser.search",
        content: { content_type: "text", parts: ["q"] },
      }),
    ).toEqual([]);
    expect(
      await text({
        author: { role: "assistant" },
        metadata: { is_visually_hidden_from_conversation: true },
        content: { parts: ["h"] },
      }),
    ).toEqual([]);
    expect(
      await text({ author: { role: "system" }, content: { content_type: "text", parts: ["sys"] } }),
    ).toEqual([]);
    expect(
      await text({
        author: { role: "tool", name: "python" },
        content: { content_type: "execution_output", text: "2" },
      }),
    ).toEqual([]);
    expect(
      await text({
        author: { role: "assistant" },
        content: { content_type: "thoughts", thoughts: [{ content: "t" }] },
      }),
    ).toEqual([]);
    expect(
      await text({
        author: { role: "assistant" },
        content: { content_type: "reasoning_recap", content: "r" },
      }),
    ).toEqual([]);
    expect(
      await text({
        author: { role: "assistant" },
        content: { content_type: "code", language: "py", text: "x=1" },
      }),
    ).toEqual(["x=1"]);
    expect(
      await text({ author: { role: "assistant" }, content: { content_type: "text", parts: [""] } }),
    ).toEqual([]);
  });

  it("joins string parts and object parts' text; an image-only message is shown with empty text", async () => {
    const image = { content_type: "image_asset_pointer", asset_pointer: "sediment://file_1" };
    expect(
      await text({
        author: { role: "user" },
        content: {
          content_type: "multimodal_text",
          parts: [image, "look", { content_type: "audio_transcription", text: "spoken" }],
        },
      }),
    ).toEqual(["look\nspoken"]);
    expect(
      await text({ author: { role: "user" }, content: { content_type: "multimodal_text", parts: [image] } }),
    ).toEqual([""]);
  });

  it("puts custom instructions in Conversation.instructions, never in messages", async () => {
    const mapping = {
      ctx: {
        parent: null,
        children: ["u"],
        message: {
          author: { role: "system" },
          content: {
            content_type: "user_editable_context",
            user_profile: "I am P.",
            user_instructions: "Be brief.",
          },
          metadata: { is_visually_hidden_from_conversation: true },
        },
      },
      u: {
        parent: "ctx",
        children: [],
        message: { author: { role: "user" }, content: { content_type: "text", parts: ["hi"] } },
      },
    };
    const { conversations } = await read([{ id: "i", mapping, current_node: "u" }]);
    expect(conversations[0]!.instructions).toBe("I am P.\n\nBe brief.");
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["hi"]);
  });

  it("reports unknown roles and content types once per export and does not show them", async () => {
    const data = [0, 1].map(
      (i) =>
        one(
          { author: { role: "critic-x" }, content: { content_type: "hologram", parts: ["?"] } },
          { id: `c${i}` },
        )[0]!,
    );
    const { conversations, issues } = await read(data);
    expect(conversations.every((c) => c.messages.length === 0)).toBe(true);
    expect(issues.filter((i) => i.code === "unknown-role")).toHaveLength(1);
    const types = await read(
      [0, 1].map(
        (i) =>
          one(
            { author: { role: "assistant" }, content: { content_type: "hologram", parts: ["?"] } },
            { id: `c${i}` },
          )[0]!,
      ),
    );
    expect(types.issues.filter((i) => i.code === "unknown-content-type")).toHaveLength(1);
  });

  it("normalises timestamps: seconds, milliseconds, ISO, numeric strings, null; bad ones reported", async () => {
    const at = async (t: unknown) =>
      (
        await read(one({ author: { role: "user" }, create_time: t, content: { parts: ["x"] } }))
      ).conversations[0]!.messages[0]!.createdAt?.toISOString() ?? null;
    expect(await at(1700000000.5)).toBe("2023-11-14T22:13:20.500Z");
    expect(await at(1700000000500)).toBe("2023-11-14T22:13:20.500Z");
    expect(await at("2023-11-14T22:13:20.500Z")).toBe("2023-11-14T22:13:20.500Z");
    expect(await at("1700000000")).toBe("2023-11-14T22:13:20.000Z");
    expect(await at(null)).toBeNull();
    const bad = await read(
      one({ author: { role: "user" }, create_time: "yesterday", content: { parts: ["x"] } }, { title: null }),
    );
    expect(bad.codes).toContain("invalid-timestamp");
    expect(bad.conversations[0]!.title).toBeNull();
  });

  it("removes citation spans whole, NULs and lone surrogates, keeping the rest (and reports repairs)", async () => {
    const raw =
      "See\uE200cite\uE202turn0search0\uE201 this【4:0†source】 and \uE200filecite\uE202turn0file0\uE201that\u0000 \uD83D end <|endoftext|>";
    const { conversations, codes } = await read(
      one({ author: { role: "assistant" }, content: { content_type: "text", parts: [raw] } }),
    );
    expect(conversations[0]!.messages[0]!.text).toBe("See this and that \uFFFD end <|endoftext|>");
    expect(codes).toEqual(expect.arrayContaining(["nul-removed", "lone-surrogate"]));
  });

  it("replaces invalid UTF-8 with U+FFFD without losing the rest, and reports it", async () => {
    const head = enc.encode(
      `[{"id":"u","mapping":{"n":{"message":{"author":{"role":"user"},"content":{"parts":["ok `,
    );
    const tail = enc.encode(` fine"]}}}},"current_node":"n"}]`);
    const bytes = new Uint8Array([...head, 0xff, 0xc3, ...tail]);
    const { conversations, codes } = await read(bytes);
    expect(conversations[0]!.messages[0]!.text).toBe("ok \uFFFD\uFFFD fine");
    expect(codes).toContain("invalid-utf8");
  });

  it("derives a stable id for a conversation without one", async () => {
    const a = await read([chatgpt("x", ["hello"], { id: undefined })]);
    const b = await read([chatgpt("x", ["hello"], { id: undefined })]);
    expect(a.conversations[0]!.id).toMatch(/^derived-[0-9a-f]{32}$/);
    expect(a.conversations[0]!.id).toBe(b.conversations[0]!.id);
    expect(a.codes).toContain("missing-id");
  });
});

describe("readExport: Claude", () => {
  const msg = (
    uuid: string,
    sender: string,
    text: string,
    created: string,
    parent?: string,
    extra: Json = {},
  ) => ({
    uuid,
    sender,
    text,
    content: [{ type: "text", text }],
    created_at: created,
    ...(parent === undefined ? {} : { parent_message_uuid: parent }),
    ...extra,
  });
  const ROOT = "00000000-0000-4000-8000-000000000000";

  it("rebuilds the tree from parent_message_uuid; newest leaf when current_leaf_message_uuid is absent", async () => {
    const chat_messages = [
      msg("h1", "human", "q", "2024-01-01T00:00:00Z", ROOT),
      msg("a1", "assistant", "old answer", "2024-01-01T00:00:01Z", "h1"),
      msg("a2", "assistant", "new answer", "2024-01-01T00:00:05Z", "h1"),
    ];
    const { conversations, codes } = await read([{ uuid: "c", name: "n", chat_messages }], {
      branches: "all",
    });
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["q", "new answer"]);
    expect(conversations[0]!.branches!.map((b) => [b.forkMessageId, b.messages.map((m) => m.text)])).toEqual([
      ["h1", ["old answer"]],
    ]);
    expect(codes).toEqual([]);
    const pinned = await read([{ uuid: "c", chat_messages, current_leaf_message_uuid: "a1" }]);
    expect(pinned.conversations[0]!.messages.map((m) => m.text)).toEqual(["q", "old answer"]);
  });

  it("orders legacy flat exports by created_at, human before assistant on ties, then array order", async () => {
    const chat_messages = [
      msg("a2", "assistant", "A2", "2024-01-01T00:00:10Z"),
      msg("h1", "human", "H1", "2024-01-01T00:00:00Z"),
      msg("a1", "assistant", "A1", "2024-01-01T00:00:00Z"),
      msg("h2", "human", "H2", "2024-01-01T00:00:10Z"),
    ];
    const { conversations } = await read([{ uuid: "c", chat_messages }]);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["H1", "A1", "H2", "A2"]);
  });

  it("uses content[] text blocks (never thinking/tool blocks or the flat text); falls back to flat text without placeholders", async () => {
    const blocks = msg("a", "assistant", "", "2024-01-01T00:00:00Z", undefined, {
      text: "thinking... answer",
      content: [
        { type: "thinking", thinking: "thinking..." },
        { type: "text", text: "answer" },
        { type: "tool_use", name: "artifacts", input: {} },
        { type: "injected_prompt_block", text: "secret" },
      ],
    });
    const flat = {
      uuid: "f",
      sender: "assistant",
      created_at: "2024-01-01T00:00:01Z",
      text: "Before\n```\nThis block is not supported on your current device yet.\n```\nAfter",
    };
    const { conversations, codes } = await read([{ uuid: "c", chat_messages: [null, blocks, flat] }]);
    expect(conversations[0]!.messages.map((m) => m.text)).toEqual(["answer", "Before\n\nAfter"]);
    expect(codes).toEqual(
      expect.arrayContaining(["null-message", "placeholder-removed", "unknown-content-type"]),
    );
  });

  it("hides whitespace-only messages unless they carry an attachment", async () => {
    const chat_messages = [
      msg("e", "human", "  ", "2024-01-01T00:00:00Z"),
      msg("f", "human", " ", "2024-01-01T00:00:01Z", undefined, {
        attachments: [{ file_name: "a.pdf", extracted_content: "not message text" }],
      }),
    ];
    const { conversations } = await read([{ uuid: "c", chat_messages }]);
    expect(conversations[0]!.messages.map((m) => [m.id, m.attachments])).toEqual([["f", ["a.pdf"]]]);
  });
});

describe("readExport: malformed and truncated input (edge case 8, seed 000 #9)", () => {
  it("skips and reports malformed elements and goes on", async () => {
    const good = JSON.stringify(chatgpt("ok", ["fine"]));
    const text = `[${good},{"id":"bad","mapping":{"x":nul}},"str",{"id":"nomap"},${good.replace('"ok"', '"ok2"')}]`;
    const { conversations, issues } = await read(text);
    expect(conversations.map((c) => c.id)).toEqual(["ok", "ok2"]);
    expect(issues.filter((i) => i.code === "malformed-conversation")).toHaveLength(3);
    expect(issues[0]!.offset).toBe(good.length + 2);
  });

  it("keeps the complete conversations of a truncated input and reports the truncation", async () => {
    const full = JSON.stringify([chatgpt("a", ["1"]), chatgpt("b", ["2"]), chatgpt("c", ["3"])]);
    const cut = full.slice(0, full.indexOf('"c"') + 10);
    const { conversations, issues } = await read(cut);
    expect(conversations.map((c) => c.id)).toEqual(["a", "b"]);
    expect(issues.at(-1)).toMatchObject({ code: "truncated-input" });
  });
});

describe("readExport: resuming, streams, progress, cancellation", () => {
  const data = Array.from({ length: 12 }, (_, i) => chatgpt(`c${i}`, [`q${i}`, `a${i}`]));
  const bytes = enc.encode(JSON.stringify(data, null, 1));

  it("resumes from every cursor with exactly the remaining conversations, any chunk size", async () => {
    const all = (await read(bytes)).conversations;
    for (const chunk of [7, 64, 1 << 20]) {
      for (let i = 0; i < all.length; i++) {
        const rest = await read(bytes, { start: all[i]!.cursor }, chunk);
        expect(rest.conversations.map((c) => c.id)).toEqual(all.slice(i + 1).map((c) => c.id));
      }
    }
  });

  it("resuming after the last conversation yields nothing and reports nothing (array or bare object)", async () => {
    for (const input of [bytes, enc.encode(`${JSON.stringify(chatgpt("solo", ["x"]))}\n`)]) {
      const all = (await read(input)).conversations;
      const rest = await read(input, { start: all.at(-1)!.cursor });
      expect(rest.conversations).toEqual([]);
      expect(rest.issues).toEqual([]);
    }
  });

  describe("resuming where only malformed elements or nothing remain (no unknown-format throw)", () => {
    const zip = (files: Record<string, string>) =>
      zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])));
    const claude = (uuid: string): Json => ({
      uuid,
      name: `n-${uuid}`,
      chat_messages: [{ uuid: `${uuid}-h`, sender: "human", text: "q", created_at: "2024-01-01T00:00:00Z" }],
    });
    const one = (c: Json[]) => JSON.stringify(c);
    const formats = (make: (id: string) => Json) => {
      const [a, b] = [make("c1"), make("c2")];
      return {
        "plain JSON": (tail: unknown[]) => enc.encode(one([a, b, ...(tail as Json[])])),
        "wrapper object": (tail: unknown[]) => enc.encode(JSON.stringify({ conversations: [a, b, ...tail] })),
        ZIP: (tail: unknown[]) => zip({ "conversations.json": one([a, b, ...(tail as Json[])]) }),
        shards: (tail: unknown[]) =>
          zip({
            "conversations-001.json": one([a]),
            "conversations-002.json": one([b, ...(tail as Json[])]),
          }),
      };
    };
    for (const [kind, make] of [
      ["ChatGPT", (id: string) => chatgpt(id, ["q", "a"])],
      ["Claude", claude],
    ] as const) {
      for (const [format, build] of Object.entries(formats(make))) {
        it(`${kind}, ${format}: [c1, c2, 42] resumed after c2 reports 42 and yields nothing`, async () => {
          const input = build([42]);
          const all = await read(input);
          expect(all.conversations.map((c) => c.id)).toEqual(["c1", "c2"]);
          const rest = await read(input, { start: all.conversations[1]!.cursor });
          expect(rest.conversations).toEqual([]);
          expect(rest.codes).toEqual(["malformed-conversation"]);
        });

        it(`${kind}, ${format}: resumed after the last conversation yields nothing and reports nothing`, async () => {
          const input = build([]);
          const all = await read(input);
          const rest = await read(input, { start: all.conversations.at(-1)!.cursor });
          expect(rest.conversations).toEqual([]);
          expect(rest.issues).toEqual([]);
        });
      }
    }

    it("shards: a later shard holding only malformed elements, resumed after the earlier shard's last conversation", async () => {
      const input = zip({
        "conversations-001.json": one([chatgpt("c1", ["q"])]),
        "conversations-002.json": one([{ id: "nomap" }, 42] as Json[]),
      });
      const all = await read(input);
      const rest = await read(input, { start: all.conversations[0]!.cursor });
      expect(rest.conversations).toEqual([]);
      expect(rest.codes).toEqual(["malformed-conversation", "malformed-conversation"]);
    });
  });

  it("rejects a cursor that does not point after a conversation", async () => {
    const all = (await read(bytes)).conversations;
    const wrong = { ...all[0]!.cursor, offset: all[0]!.cursor.offset - 3 };
    const error = await read(bytes, { start: wrong }).catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("cursor-mismatch");
  });

  it("resumes a non-seekable stream by re-reading and skipping", async () => {
    const all = (await read(bytes)).conversations;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => oneChunk(c, bytes) });
    const out: string[] = [];
    for await (const c of readExport(createStreamSource(stream), { start: all[4]!.cursor })) out.push(c.id);
    expect(out).toEqual(all.slice(5).map((c) => c.id));
  });

  it("reports progress in bytes and stops on abort", async () => {
    const progress: number[] = [];
    await read(bytes, { onProgress: (p) => progress.push(p.bytes), progressIntervalBytes: 100 }, 50);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(bytes.length);
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const c of readExport(bytes, { signal: controller.signal })) {
        seen.push(c.id);
        if (seen.length === 2) controller.abort(new Error("stop"));
      }
    })();
    await expect(run).rejects.toThrow("stop");
    expect(seen).toHaveLength(2);
  });
});
