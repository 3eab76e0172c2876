import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { Source } from "../ports/source.js";
import { createBytesSource } from "../source/create-bytes-source.js";
import { readZipEntries } from "../source/zip-archive.js";
import type { Conversation } from "./conversation.js";
import { dropDeepValues, MAX_NESTING } from "./drop-deep-values.js";
import type { ParseIssue } from "./parse-issue.js";
import { readExport } from "./read-export.js";

const enc = new TextEncoder();
type Json = Record<string, unknown>;

/** A two-message ChatGPT conversation; `message` is merged into the user message. */
function chatgpt(id: string, message: Json = {}, extra: Json = {}): Json {
  const node = (
    key: string,
    parent: string | null,
    children: string[],
    role: string,
    text: string,
    more = {},
  ) => ({
    id: key,
    parent,
    children,
    message: {
      id: key,
      author: { role },
      create_time: 1700000000,
      content: { content_type: "text", parts: [text] },
      ...more,
    },
  });
  return {
    id,
    title: `t-${id}`,
    create_time: 1700000000,
    update_time: 1700000100,
    current_node: "b",
    mapping: {
      a: node("a", null, ["b"], "user", `hello ${id}`, message),
      b: node("b", "a", [], "assistant", `hi ${id}`),
    },
    ...extra,
  };
}

async function read(
  input: Uint8Array | string | Source,
  options: Parameters<typeof readExport>[1] = {},
  chunkBytes?: number,
) {
  const source =
    typeof input === "object" && "open" in input
      ? input
      : createBytesSource(
          typeof input === "string" ? enc.encode(input) : input,
          chunkBytes ? { chunkBytes } : {},
        );
  const issues: ParseIssue[] = [];
  const conversations: Conversation[] = [];
  for await (const c of readExport(source, { onIssue: (i) => issues.push(i), ...options }))
    conversations.push(c);
  return { conversations, issues, ids: conversations.map((c) => c.id), codes: issues.map((i) => i.code) };
}

/** JSON text of arrays nested `depth` deep: what JSON.parse accepts and JSON.stringify cannot write back. */
const deepArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("readExport: trailing data after the top-level value", () => {
  const array = JSON.stringify([chatgpt("a"), chatgpt("b")]);

  for (const [name, tail] of [
    ["a stray ]}", "]}"],
    ["a NUL", "\u0000"],
    ["text", "\nthis is not JSON"],
    ["a second array", " [1]"],
  ] as const) {
    it(`reports ${name} after an array once, at its offset, and keeps every conversation`, async () => {
      for (const chunkBytes of [undefined, 1, 7]) {
        const { ids, issues } = await read(`${array}${tail}`, {}, chunkBytes);
        expect(ids).toEqual(["a", "b"]);
        const trailing = issues.filter((i) => i.code === "trailing-data");
        expect(trailing).toHaveLength(1);
        expect(trailing[0]!.offset).toBe(array.length + tail.length - tail.trimStart().length);
      }
    });
  }

  it("whitespace after the array, and a BOM before it, are not trailing data", async () => {
    const { ids, codes } = await read(`\uFEFF${array} \n\t\r\n  `, {}, 3);
    expect(ids).toEqual(["a", "b"]);
    expect(codes).toEqual([]);
  });

  it("a wrapper's remaining keys are not trailing data; what follows the wrapper is", async () => {
    const wrapper = `{"conversations":${array}, "meta": {"note": "]} [ \\" }"}, "n": [1, [2]]}`;
    expect((await read(`${wrapper}\n`, {}, 5)).codes).toEqual([]);
    const after = await read(`${wrapper}}`, {}, 5);
    expect(after.ids).toEqual(["a", "b"]);
    expect(after.issues.filter((i) => i.code === "trailing-data").map((i) => i.offset)).toEqual([
      wrapper.length,
    ]);
    expect((await read(`{"conversations":${array} x}`)).codes).toEqual(["trailing-data"]);
  });

  it("reports text after one bare conversation object", async () => {
    const bare = JSON.stringify(chatgpt("solo"));
    const { ids, issues } = await read(`${bare}\n--`);
    expect(ids).toEqual(["solo"]);
    expect(issues.map((i) => [i.code, i.offset])).toEqual([["trailing-data", bare.length + 1]]);
  });

  it("resuming from a cursor still reports trailing text (there a wrapper's closing } is accepted)", async () => {
    const text = `${array}}junk`;
    const first = await read(text);
    expect(first.issues.map((i) => [i.code, i.offset])).toEqual([["trailing-data", array.length]]);
    const resumed = await read(text, { start: first.conversations[0]!.cursor });
    expect(resumed.ids).toEqual(["b"]);
    expect(resumed.issues.map((i) => [i.code, i.offset])).toEqual([["trailing-data", array.length + 1]]);
    const wrapped = `{"conversations":${array},"x":1}`;
    const w = await read(wrapped);
    expect((await read(wrapped, { start: w.conversations[0]!.cursor })).codes).toEqual([]);
  });
});

describe("readExport: ZIP entries with unsafe names", () => {
  const unsafe = ["../evil.txt", "/tmp/abs.txt", "..\\..\\win.txt", "dalle-generations/../../x.txt"];
  const zip = (files: Record<string, string>) =>
    zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])));

  it("reports one unsafe-entry-name issue per entry, naming it, and reads the export", async () => {
    const files: Record<string, string> = { "conversations.json": JSON.stringify([chatgpt("z")]) };
    for (const name of unsafe) files[name] = "x";
    const { ids, issues } = await read(zip(files));
    expect(ids).toEqual(["z"]);
    const reported = issues.filter((i) => i.code === "unsafe-entry-name");
    expect(reported.map((i) => i.entry)).toEqual(unsafe);
    for (const i of reported) expect(i.message).toContain(JSON.stringify(i.entry));
  });

  it("reports a conversations.json whose name leaves the archive; names are never paths", async () => {
    const name = "dalle-generations/../../conversations.json";
    const { conversations, issues } = await read(zip({ [name]: JSON.stringify([chatgpt("z")]) }));
    expect(conversations.map((c) => [c.id, c.cursor.entry])).toEqual([["z", name]]);
    expect(issues.map((i) => [i.code, i.entry])).toEqual([["unsafe-entry-name", name]]);
  });

  it("readZipEntries flags the unsafe names", async () => {
    const bytes = zip({
      "a/conversations.json": "[]",
      "a/b..c.txt": "",
      ...Object.fromEntries(unsafe.map((n) => [n, ""])),
    });
    const entries = await readZipEntries(createBytesSource(bytes), bytes.length);
    expect(entries.filter((e) => e.unsafeName).map((e) => e.name)).toEqual(unsafe);
  });

  it("a folder-like source listing unsafe names reports them and never opens them", async () => {
    const opened: string[] = [];
    const body = enc.encode(JSON.stringify([chatgpt("f")]));
    const source: Source = {
      name: "folder",
      open: () => Promise.reject(new Error("a folder")),
      entries: async () => ["conversations.json", "../conversations.json", "C:\\x\\conversations.json"],
      openEntry: async (name) => {
        opened.push(name);
        return { stream: new Blob([body]).stream(), size: body.length, offset: 0 };
      },
    };
    const { ids, issues } = await read(source);
    expect(ids).toEqual(["f"]);
    expect(opened).toEqual(["conversations.json"]);
    expect(issues.map((i) => [i.code, i.entry])).toEqual([
      ["unsafe-entry-name", "../conversations.json"],
      ["unsafe-entry-name", "C:\\x\\conversations.json"],
    ]);
  });
});

describe("readExport: values nested too deep to serialise", () => {
  const DEEP = 100_000;
  const withDeep = (where: "metadata" | "create_time" | "conversation") => {
    const marker = '"__DEEP__"';
    const middle =
      where === "conversation"
        ? chatgpt("deep", {}, { metadata: "__DEEP__" })
        : chatgpt("deep", { [where]: where === "metadata" ? { trace: "__DEEP__" } : "__DEEP__" });
    return `[${JSON.stringify(chatgpt("a"))},${JSON.stringify(middle).replace(marker, deepArrays(DEEP))},${JSON.stringify(chatgpt("c"))}]`;
  };

  for (const where of ["metadata", "create_time", "conversation"] as const) {
    it(`drops a ${DEEP.toLocaleString("en")}-deep array (${where}), reports it, and keeps every conversation`, async () => {
      const { conversations, ids, issues } = await read(withDeep(where));
      expect(ids).toEqual(["a", "deep", "c"]);
      const deep = issues.filter((i) => i.code === "nesting-too-deep");
      expect(deep).toHaveLength(1);
      expect(deep[0]!.conversationId).toBe("deep");
      expect(deep[0]!.message).toMatch(/nested deeper than 256 levels/);
      // Whatever the reader hands on survives the encodings stores and worker threads use.
      expect(() => JSON.stringify(conversations)).not.toThrow();
      expect(() => structuredClone(conversations)).not.toThrow();
    });
  }

  it("a Claude message's deep created_at, in one bare conversation object", async () => {
    const claude = JSON.stringify({
      uuid: "cl",
      name: "n",
      chat_messages: [{ uuid: "m", sender: "human", text: "hello", created_at: "__DEEP__" }],
    }).replace('"__DEEP__"', deepArrays(DEEP));
    const { conversations, codes } = await read(claude);
    expect(conversations.map((c) => c.messages.map((m) => m.text))).toEqual([["hello"]]);
    // What is left of created_at (arrays 253 deep) is no timestamp.
    expect(codes).toEqual(["invalid-timestamp", "nesting-too-deep"]);
  });

  it(`keeps values nested exactly ${MAX_NESTING} levels, silently`, async () => {
    // The conversation is level 1, mapping 2, node 3, message 4, metadata 5, then arrays.
    const text = JSON.stringify([chatgpt("edge", { metadata: { x: "__DEEP__" } })]).replace(
      '"__DEEP__"',
      deepArrays(MAX_NESTING - 5),
    );
    expect((await read(text)).codes).toEqual([]);
    expect((await read(text.replace("[]", "[[]]"))).codes).toEqual(["nesting-too-deep"]);
  });

  it("dropDeepValues deletes an object's property and nulls an array's element at the limit", () => {
    const value = { a: { b: { c: 1 } }, list: [[[1]], 2], keep: [1] };
    expect(dropDeepValues(value, 2)).toEqual({ count: 2, path: "a.b" });
    expect(value).toEqual({ a: {}, list: [null, 2], keep: [1] });
  });
});
