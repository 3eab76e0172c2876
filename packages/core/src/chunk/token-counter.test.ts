import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The root entry imports core's Lua (`.lua` files as text), which tsx alone cannot load.
const luaText = fileURLToPath(new URL("../../../../scripts/register-lua-text.mjs", import.meta.url));

// Runs `code` (an ES module) in a fresh Node process with tsx, so each check starts from a module
// graph with nothing loaded yet; `process.argv[1]` is the path of core's root entry (the sources).
function runFresh(code: string): unknown {
  const entry = fileURLToPath(new URL("../index.ts", import.meta.url));
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--import", luaText, "--input-type=module", "-e", code, entry],
    { encoding: "utf8", timeout: 60_000 },
  );
  return JSON.parse(out.trim().split("\n").pop()!);
}

// Runs `code` (an ES module that starts worker threads) in a fresh Node process with tsx:
// `process.argv[1]` is this file's folder (chunk/, with a trailing slash), `process.argv[2]` tsx's API for the workers to
// register (worker threads do not inherit tsx's hooks; the pool registers them the same way for its
// sources), then `args`. Returns the last line printed, parsed.
function runWithWorkers(code: string, ...args: string[]): unknown {
  const source = fileURLToPath(new URL("./", import.meta.url));
  const tsxPackage = createRequire(import.meta.url).resolve("tsx/package.json");
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), "dist", "esm", "api", "index.mjs")).href;
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--import", luaText, "--input-type=module", "-e", code, source, tsxApi, ...args],
    { encoding: "utf8", timeout: 60_000 },
  );
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
      const { chunkerPrimerRuns } = await import(new URL("./chunk/primer.ts", "file://" + process.argv[1]).href);
      let error = null;
      try { core.createTokenCounter("o200k_base").count("Hello world"); } catch (e) { error = e.message; }
      // The first chunk primes the thread first: the primer fails the same way, and primes later.
      let chunkError = null;
      try { [...core.createChunker().chunk({ id: "c", messages: [] })]; } catch (e) { chunkError = e.message; }
      const runsBefore = chunkerPrimerRuns();
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
        chunkError,
        runsBefore,
        runsAfter: chunkerPrimerRuns(),
      }));
    `);
    expect(result).toMatchObject({
      error: expect.stringMatching(/await loadTokenizer\("o200k_base"\)/),
      o200k: 8,
      claude: 12,
      chunks: [16, 1], // "User: one two ... fifteen" is 17 tokens
      chunkError: expect.stringMatching(/await loadTokenizer\("o200k_base"\)/),
      runsBefore: 0,
      runsAfter: 1,
    });
  });

  it("rejects an unknown tokenizer name", async () => {
    const { loadTokenizer } = await import("./bpe-counters.js");
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
    const { oracleCount } = await import("../../test/support/chunk-test-helpers.js");
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
    const { PieceMemo } = await import("./piece-memo.js");
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
    const { PieceMemo } = await import("./piece-memo.js");
    const memo = new PieceMemo();
    const pieces = Array.from({ length: 50_000 }, (_, i) => ` w${i.toString(36)}`);
    for (const [i, piece] of pieces.entries()) memo.set(piece, 0, piece.length, i % 200);
    expect(pieces.every((piece, i) => memo.get(piece, 0, piece.length) === i % 200)).toBe(true);
    expect(memo.get(" w-1", 0, 4)).toBe(-1);
  });
});

describe("SharedPieceMemo (the piece memo a chunker pool's threads share)", () => {
  const expected = (piece: string): number => (piece.length * 7 + piece.charCodeAt(0)) % 97;

  it("finds exactly the pieces stored, looked up inside a longer text", async () => {
    const { SharedPieceMemo } = await import("./shared-piece-memo.js");
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(..."abAB \u00e9\ud83d"), minLength: 1, maxLength: 6 }), {
          maxLength: 300,
        }),
        (pieces) => {
          const memo = new SharedPieceMemo(SharedPieceMemo.allocate());
          const model = new Map<string, number>();
          for (const piece of pieces) {
            const text = `<${piece}>`;
            expect(memo.get(text, 1, 1 + piece.length)).toBe(model.get(piece) ?? -1);
            if (model.has(piece)) continue;
            memo.set(text, 1, 1 + piece.length, expected(piece));
            model.set(piece, expected(piece));
          }
          expect(memo.size).toBe(model.size);
          for (const piece of model.keys()) expect(memo.get(piece, 0, piece.length)).toBe(model.get(piece));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("stops taking pieces once its arena is full, and still finds every piece it took", async () => {
    const { SharedPieceMemo } = await import("./shared-piece-memo.js");
    const memo = new SharedPieceMemo(SharedPieceMemo.allocate());
    // 48-unit pieces: the 4 Mi-unit arena holds 87,381 of them.
    const piece = (i: number): string => `${i.toString(36).padStart(8, "0")}${"x".repeat(40)}`;
    for (let i = 0; i < 90_000; i++) memo.set(piece(i), 0, 48, i % 90);
    expect(memo.size).toBe(87_381);
    for (let i = 0; i < 87_381; i += 97) expect(memo.get(piece(i), 0, 48)).toBe(i % 90);
    expect(memo.get(piece(87_381), 0, 48)).toBe(-1);
    expect(memo.get(piece(89_999), 0, 48)).toBe(-1);
  });

  it("refuses memory it did not allocate, with a clear error", async () => {
    const { SharedPieceMemo } = await import("./shared-piece-memo.js");
    expect(() => new SharedPieceMemo(new SharedArrayBuffer(1024))).toThrow(/SharedPieceMemo.allocate/);
    expect(() => new SharedPieceMemo(new ArrayBuffer(8) as unknown as SharedArrayBuffer)).toThrow(TypeError);
  });

  it("two threads storing and reading at once: every piece found with its own count, none torn", () => {
    const result = runWithWorkers(`
        import { Worker } from "node:worker_threads";
        const { SharedPieceMemo } = await import(process.argv[1] + "shared-piece-memo.ts");
        const buffer = SharedPieceMemo.allocate();
        // Each thread walks the same 30,000 pieces in its own order, storing what it does not find
        // and checking what it finds; pieces are 1-40 units long, counts derived from the piece.
        // (The worker's eval code is an ES module, like this one: --input-type=module carries over.)
        const code = \`
          import { workerData, parentPort } from "node:worker_threads";
          (await import(workerData.tsx)).register();
          const { SharedPieceMemo } = await import(workerData.source + "shared-piece-memo.ts");
          const memo = new SharedPieceMemo(workerData.buffer);
          const piece = (i) => "p" + i.toString(36) + "~".repeat(i % 39);
          const count = (i) => (i * 31 + 7) % 1000;
          let wrong = 0, found = 0;
          for (let k = 0; k < 30000; k++) {
            const i = workerData.order === 0 ? k : (k * 7919) % 30000;
            const p = piece(i);
            const n = memo.get(p, 0, p.length);
            if (n === -1) memo.set(p, 0, p.length, count(i));
            else { found++; if (n !== count(i)) wrong++; }
          }
          parentPort.postMessage({ wrong, found });
        \`;
        const results = await Promise.all([0, 1].map((order) => new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { buffer, order, source: process.argv[1], tsx: process.argv[2] } });
          w.once("message", resolve);
          w.once("error", reject);
        })));
        const memo = new SharedPieceMemo(buffer);
        let missing = 0, wrong = 0;
        for (let i = 0; i < 30000; i++) {
          const p = "p" + i.toString(36) + "~".repeat(i % 39);
          const n = memo.get(p, 0, p.length);
          if (n === -1) missing++;
          else if (n !== (i * 31 + 7) % 1000) wrong++;
        }
        console.log(JSON.stringify({ results, missing, wrong, size: memo.size }));
        process.exit(0);
    `) as {
      results: { wrong: number; found: number }[];
      missing: number;
      wrong: number;
      size: number;
    };
    expect(result.missing).toBe(0);
    expect(result.wrong).toBe(0);
    for (const r of result.results) expect(r.wrong).toBe(0);
    // Each thread found some of what the other stored; a piece both stored at once is kept twice.
    expect(result.results.reduce((n, r) => n + r.found, 0)).toBeGreaterThan(0);
    expect(result.size).toBeGreaterThanOrEqual(30_000);
    expect(result.size).toBeLessThan(30_000 + 1000);
  });
});

describe("SharedRanks (the rank table a chunker pool's threads share)", () => {
  const texts = [
    "Hello world, this is a test.",
    "naïve café — 東京で会いましょう 🤖🎉 <|endoftext|>",
    "  indented\tcode(x) => x ** 2; // ok\r\n",
    "\ud800 lone surrogate and NUL \u0000 too",
  ];

  it("two threads starting at once: one loads gpt-tokenizer's table and builds it, the other waits and uses it; both count right", async () => {
    const result = runWithWorkers(
      `
        import { Worker } from "node:worker_threads";
        const { SharedRanks } = await import(process.argv[1] + "shared-ranks.ts");
        const buffer = SharedRanks.allocate("o200k_base");
        const code = \`
          import { workerData, parentPort } from "node:worker_threads";
          (await import(workerData.tsx)).register();
          const { shareRanks } = await import(workerData.source + "bpe-counters.ts");
          const { createTokenCounter } = await import(workerData.source + "token-counter.ts");
          const { rankTablesLoaded } = await import(workerData.source + "rank-table-loader.ts");
          shareRanks("o200k_base", workerData.buffer);
          const counter = createTokenCounter("o200k_base");
          const counts = workerData.texts.map((t) => counter.count(t));
          parentPort.postMessage({ counts, loaded: rankTablesLoaded() });
        \`;
        const texts = JSON.parse(process.argv[3]);
        const results = await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { buffer, texts, source: process.argv[1], tsx: process.argv[2] } });
          w.once("message", resolve);
          w.once("error", reject);
        })));
        console.log(JSON.stringify({ results, state: new Int32Array(buffer, 0, 1)[0] }));
        process.exit(0);
      `,
      JSON.stringify(texts),
    ) as {
      results: { counts: number[]; loaded: number }[];
      state: number;
    };
    const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
    const want = texts.map((t) => countTokens(t, { disallowedSpecial: new Set() }));
    for (const r of result.results) expect(r.counts).toEqual(want);
    expect(result.results.map((r) => r.loaded).sort()).toEqual([0, 1]);
    expect(result.state).toBe(2); // published
  });

  it("a table whose build failed elsewhere, or a builder that never finishes: the thread builds its own", () => {
    const result = runFresh(`
      const chunk = (file) => import(new URL("./chunk/" + file, "file://" + process.argv[1]).href);
      const { SharedRanks } = await chunk("shared-ranks.ts");
      const { shareRanks } = await chunk("bpe-counters.ts");
      const { createTokenCounter } = await chunk("token-counter.ts");
      const { rankTablesLoaded } = await chunk("rank-table-loader.ts");
      const failed = SharedRanks.allocate("cl100k_base");
      new Int32Array(failed, 0, 1)[0] = 3;
      shareRanks("cl100k_base", failed);
      const cl100k = createTokenCounter("cl100k_base").count("Hello world <|endoftext|>");
      const stuck = SharedRanks.allocate("o200k_base");
      new Int32Array(stuck, 0, 1)[0] = 1; // a thread claimed it and was stopped mid-build
      shareRanks("o200k_base", stuck, 300);
      const started = Date.now();
      const o200k = createTokenCounter("o200k_base").count("Hello world, this is a test.");
      console.log(JSON.stringify({ cl100k, o200k, waited: Date.now() - started, loaded: rankTablesLoaded(), stuck: new Int32Array(stuck, 0, 1)[0] }));
    `) as { cl100k: number; o200k: number; waited: number; loaded: number; stuck: number };
    expect(result).toMatchObject({ cl100k: 8, o200k: 8, loaded: 2, stuck: 1 });
    expect(result.waited).toBeGreaterThanOrEqual(250);
  });

  it("a failed load is the caller's error, marks the table failed, and the next thread builds its own", async () => {
    const { SharedRanks } = await import("./shared-ranks.js");
    const buffer = SharedRanks.allocate("cl100k_base");
    const boom = new Error("no tables here");
    expect(() =>
      new SharedRanks("cl100k_base", buffer).ranks(() => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(new Int32Array(buffer, 0, 1)[0]).toBe(3);
    const mod = await import("gpt-tokenizer/bpeRanks/cl100k_base");
    const table = mod.default as unknown as string[];
    const ranks = new SharedRanks("cl100k_base", buffer).ranks(() => table);
    const hello = new TextEncoder().encode("hello");
    expect(ranks.get(hello, 0, hello.length)).toBe(table.indexOf("hello"));
  });

  it("refuses memory it did not allocate, and a table bigger than it planned for", async () => {
    const { SharedRanks } = await import("./shared-ranks.js");
    expect(() => new SharedRanks("o200k_base", SharedRanks.allocate("cl100k_base"))).toThrow(
      /SharedRanks.allocate\("o200k_base"\)/,
    );
    expect(() => new SharedRanks("o200k_base", new ArrayBuffer(8) as unknown as SharedArrayBuffer)).toThrow(
      TypeError,
    );
    const shared = new SharedRanks("cl100k_base", SharedRanks.allocate("cl100k_base"));
    expect(shared.views(1 << 19, 1000)).toBeNull(); // more slots
    expect(shared.views(1 << 18, 1 << 20)).toBeNull(); // a bigger arena
    expect(shared.views(1 << 18, 1000)).not.toBeNull();
  });
});
