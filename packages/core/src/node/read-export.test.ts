import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import type { Source } from "../ports/source.js";
import { createFileSource } from "./create-file-source.js";
import { readExport } from "./read-export.js";

const dir = mkdtempSync(join(tmpdir(), "threadmill-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();
const conv = (id: string, text: string, update_time = 1) => ({
  id,
  update_time,
  mapping: {
    n: {
      parent: null,
      children: [],
      message: { author: { role: "user" }, content: { content_type: "text", parts: [text] } },
    },
  },
  current_node: "n",
});

async function collect(input: string | Source, options: Parameters<typeof readExport>[1] = {}) {
  const out: { id: string; text: string; entry: string | null }[] = [];
  for await (const c of readExport(input, options))
    out.push({ id: c.id, text: c.messages[0]?.text ?? "", entry: c.cursor.entry });
  return out;
}

describe("readExport (Node)", () => {
  it("takes a path to a JSON file, a ZIP, or an unzipped export folder with shards", async () => {
    writeFileSync(join(dir, "conversations.json"), JSON.stringify([conv("a", "1"), conv("b", "2")]));
    expect((await collect(join(dir, "conversations.json"))).map((c) => c.id)).toEqual(["a", "b"]);

    writeFileSync(
      join(dir, "export.zip"),
      zipSync({ "conversations.json": enc.encode(JSON.stringify([conv("z", "zip")])) }),
    );
    expect(await collect(join(dir, "export.zip"))).toEqual([
      { id: "z", text: "zip", entry: "conversations.json" },
    ]);

    const folder = join(dir, "unzipped");
    mkdirSync(folder);
    writeFileSync(join(folder, "user.json"), "{}");
    writeFileSync(
      join(folder, "conversations-000.json"),
      JSON.stringify([conv("s1", "old", 1), conv("s2", "x")]),
    );
    writeFileSync(join(folder, "conversations-001.json"), JSON.stringify([conv("s1", "new", 2)]));
    expect(await collect(folder)).toEqual([
      { id: "s2", text: "x", entry: "conversations-000.json" },
      { id: "s1", text: "new", entry: "conversations-001.json" },
    ]);
  });

  it("resumes a file by seeking: bytes before the cursor are never read again", async () => {
    const path = join(dir, "seek.json");
    writeFileSync(
      path,
      JSON.stringify(Array.from({ length: 50 }, (_, i) => conv(`c${i}`, "y".repeat(1000)))),
    );
    const cursors: import("../export/cursor.js").Cursor[] = [];
    for await (const c of readExport(path)) cursors.push(c.cursor);
    const file = createFileSource(path);
    const opens: number[] = [];
    const spy: Source = {
      name: file.name,
      open: (o) => {
        opens.push(o?.start ?? 0);
        return file.open(o);
      },
    };
    const rest = await collect(spy, { start: cursors[39]! });
    expect(rest.map((c) => c.id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i + 40}`));
    expect(opens).toEqual([cursors[39]!.offset - 1]);
  });

  it("a missing path is an ExportFormatError (unreadable), not a raw ENOENT", async () => {
    const error = await collect(join(dir, "nope.json")).catch((e: unknown) => e);
    expect(ExportFormatError.isInstance(error)).toBe(true);
    expect((error as ExportFormatError).reason).toBe("unreadable");
  });

  it("file source: open({ start }) starts at start and reports the size", async () => {
    const path = join(dir, "bytes.bin");
    writeFileSync(path, Buffer.from("0123456789"));
    const opened = await createFileSource(path).open({ start: 4 });
    const chunks: Uint8Array[] = [];
    for await (const c of opened.stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe("456789");
    expect([opened.offset, opened.size]).toEqual([4, 10]);
  });
});
