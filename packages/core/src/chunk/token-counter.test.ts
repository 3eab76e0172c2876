import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Runs `code` (an ES module) in a fresh Node process with tsx, so each check starts from a module
// graph with nothing loaded yet; `process.argv[1]` is the path of core's root entry (the sources).
function runFresh(code: string): unknown {
  const entry = fileURLToPath(new URL("../index.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, entry], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

describe("tokenizer tables load lazily", () => {
  it("importing the root entry loads no table; the first count loads only its own", () => {
    const result = runFresh(`
      import { createRequire } from "node:module";
      const cache = createRequire(import.meta.url).cache;
      const tables = () => Object.keys(cache).filter((k) => k.includes("bpeRanks")).map((k) => k.split("/").pop()).sort();
      const core = await import(process.argv[1]);
      const afterImport = tables();
      const chunker = core.createChunker({ tokenizer: "cl100k_base" });
      const afterCreate = tables();
      const n = core.createTokenCounter("cl100k_base").count("Hello world <|endoftext|>");
      console.log(JSON.stringify({ afterImport, afterCreate, afterCount: tables(), n }));
    `);
    expect(result).toEqual({ afterImport: [], afterCreate: [], afterCount: ["cl100k_base.js"], n: 8 });
  });

  it("without a synchronous require the first count names loadTokenizer; after it, counts are right", () => {
    const result = runFresh(`
      delete process.getBuiltinModule; // like a browser, an edge runtime, or ESM on Node < 20.16
      const core = await import(process.argv[1]);
      let error = null;
      try { core.createTokenCounter("o200k_base").count("Hello world"); } catch (e) { error = e.message; }
      await core.loadTokenizer("claude"); // claude counts with the o200k_base tables
      await core.loadTokenizer("claude");
      const chunks = [...core.createChunker({ maxTokens: 16, overlapTokens: 0 }).chunk({
        id: "c", messages: [{ id: "m", role: "user", text: "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen", createdAt: null, attachments: [] }],
      })];
      console.log(JSON.stringify({
        error,
        o200k: core.createTokenCounter("o200k_base").count("Hello world, this is a test."),
        claude: core.createTokenCounter("claude").count("Hello world, this is a test."),
        chunks: chunks.map((c) => c.tokens),
      }));
    `);
    expect(result).toMatchObject({
      error: expect.stringMatching(/await loadTokenizer\("o200k_base"\)/),
      o200k: 8,
      claude: 12,
      chunks: [16, 1], // "User: one two ... fifteen" is 17 tokens
    });
  });

  it("rejects an unknown tokenizer name", async () => {
    const { loadTokenizer } = await import("./token-counter.js");
    await expect(loadTokenizer("gpt2" as never)).rejects.toThrow(TypeError);
  });
});

// Code units that decide where o200k_base's pieces end: each ASCII class, the contraction letters,
// and non-ASCII letters, marks, digits, spaces, line separators and surrogates next to them.
const UNITS = [
  ..."aZqSsTtDdMmLlVvEeRr019",
  ..." \t\n\r\u000b\u000c",
  ..."'/.,!?-_()\u0000\u007f\u001f",
  ..."'s 'S 'd 'm 't 'll 'LL 'lL 've 'Ve 're 'RE 'x 'l 'v 'r n't".split(" "),
  "é",
  "ß",
  "\u017f", // long s: case-folds to s, and is no contraction letter here
  "\u0301", // combining acute accent (\p{M})
  "\u02b0", // modifier letter (\p{Lm})
  "中",
  "\u0663", // Arabic-Indic digit three (\p{N})
  "\u00a0",
  "\u3000",
  "\u2028",
  "\ufeff",
  "😀",
  "\ud83d",
  "\ude00",
];
const scannerText = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...UNITS) }, fc.string({ maxLength: 3 })), {
    maxLength: 60,
  })
  .map((units) => units.join(""));

describe("pre-tokenization scanner", () => {
  it("cuts o200k_base and cl100k_base pieces exactly where their split regexes do", async () => {
    const { pieceScanner } = await import("./piece-scanner.js");
    const { O200K_TOKEN_SPLIT_REGEX, CL100K_TOKEN_SPLIT_REGEX } = await import(
      "gpt-tokenizer/encodingParams/constants"
    );
    const pieces = (scan: (text: string, at: number) => number, text: string): string[] => {
      const out: string[] = [];
      for (let at = 0; at < text.length; ) {
        const end = scan(text, at);
        out.push(text.slice(at, end));
        at = end;
      }
      return out;
    };
    for (const [name, regex] of [
      ["o200k_base", O200K_TOKEN_SPLIT_REGEX],
      ["cl100k_base", CL100K_TOKEN_SPLIT_REGEX],
    ] as const) {
      const scan = pieceScanner(name);
      fc.assert(
        fc.property(scannerText, (text) => {
          expect(pieces(scan, text)).toEqual([...text.matchAll(regex)].map((m) => m[0]));
        }),
        { numRuns: 3000 },
      );
    }
  });
});

describe("token counts", () => {
  it("equal tiktoken's on text around every piece boundary (a byte-order mark included), for both encodings", async () => {
    const { createTokenCounter } = await import("./token-counter.js");
    const { oracleCount } = await import("./chunk-test-helpers.js");
    for (const name of ["o200k_base", "cl100k_base"] as const) {
      const counter = createTokenCounter(name);
      fc.assert(
        fc.property(scannerText, (text) => {
          expect(counter.count(text)).toBe(oracleCount(text, name));
        }),
        { numRuns: 1000 },
      );
    }
  });

  it("the piece memo finds exactly what it holds, and forgets everything when full", async () => {
    const { PieceMemo } = await import("./token-counter.js");
    const expected = (piece: string): number => (piece.length * 7 + piece.charCodeAt(0)) % 97;
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(..."abAB \u00e9\ud83d"), minLength: 1, maxLength: 6 }), {
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 40 }),
        (pieces, maxEntries) => {
          const maxChars = 3 * maxEntries;
          const memo = new PieceMemo(maxEntries, maxChars);
          // The model: a Map emptied when one more piece would pass either limit.
          const model = new Map<string, number>();
          let chars = 0;
          for (const piece of pieces) {
            // Looked up inside a longer text, as the chunker does.
            const text = `<${piece}>`;
            expect(memo.get(text, 1, 1 + piece.length)).toBe(model.get(piece) ?? -1);
            if (model.has(piece)) continue;
            if (model.size >= maxEntries || chars + piece.length > maxChars) {
              model.clear();
              chars = 0;
            }
            memo.set(text, 1, 1 + piece.length, expected(piece));
            model.set(piece, expected(piece));
            chars += piece.length;
          }
          for (const piece of new Set(pieces))
            expect(memo.get(piece, 0, piece.length)).toBe(model.get(piece) ?? -1);
        },
      ),
    );
  });

  it("the piece memo grows its table: 50,000 pieces all found", async () => {
    const { PieceMemo } = await import("./token-counter.js");
    const memo = new PieceMemo();
    const pieces = Array.from({ length: 50_000 }, (_, i) => ` w${i.toString(36)}`);
    for (const [i, piece] of pieces.entries()) memo.set(piece, 0, piece.length, i % 200);
    expect(pieces.every((piece, i) => memo.get(piece, 0, piece.length) === i % 200)).toBe(true);
    expect(memo.get(" w-1", 0, 4)).toBe(-1);
  });
});
