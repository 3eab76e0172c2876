import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";

/** A tokenizer the chunker knows by name. */
export type TokenizerName = "o200k_base" | "cl100k_base" | "claude";

/** Any tokenizer: a known name, or your own counter (called on each piece of text, then on every candidate chunk to recount it). */
export type TokenizerOption = TokenizerName | { count(text: string): number };

/**
 * The factor the `"claude"` tokenizer multiplies o200k_base counts by. Third-party measurements put
 * Claude 3/4 token counts 20-30 % above GPT-4o's o200k_base on English text (see
 * `research/parse-chunk.md`, section 3); 1.4 is the 30 % upper end plus a ~8 % safety margin. Not
 * calibrated against `POST /v1/messages/count_tokens` (no API access where this was written).
 */
export const CLAUDE_TOKEN_FACTOR = 1.4;

/**
 * Counts tokens of a text the way the chunker does: special-token strings such as `<|endoftext|>`
 * are plain text (never an error), lone surrogates count as U+FFFD.
 */
export interface TokenCounter {
  /** Exact count of `text` under this tokenizer (for `"claude"`: the documented estimate). */
  count(text: string): number;
}

/**
 * What the chunker needs from a tokenizer: counts in "base units" plus how to turn them into the
 * caller's units. BPE tokenizers expose their pre-tokenization regex, so summed piece counts are exact.
 * @internal
 */
export interface BaseTokenizer {
  /** Pre-tokenization regex (`gu`); a fresh copy per call, so `lastIndex` is private to the caller. */
  splitRegex(): RegExp;
  /** Count of one text in base units. */
  countBase(text: string): number;
  /** Count of one piece the split regex produced, in base units (memoised; not a re-tokenization). */
  countPiece(piece: string): number;
  /** Whether counts of whole pre-tokenization pieces add up exactly (true for BPE tokenizers). */
  readonly exactSums: boolean;
  /** Largest base-unit count whose caller-unit count is <= `tokens`. */
  baseBudget(tokens: number): number;
  /** Caller units for a base count. */
  toTokens(base: number): number;
  /** Characters passed to `countBase` so far (for the amplification figure). */
  readonly counted: { chars: number };
}

type BpeName = "o200k_base" | "cl100k_base";
type RankTable = ReadonlyArray<string | readonly number[]>;

const utf8 = new TextEncoder();

/** A byte string as a JS string of code units 0-255 (a "binary string"), usable as a Map key. */
function binaryKey(bytes: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode.apply(
      null,
      Array.from(Array.prototype.slice.call(bytes, i, i + 4096)) as number[],
    );
  }
  return out;
}

function isAsciiString(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Token counting for one BPE encoding, written for counting only: ranks are looked up by the token's
 * bytes as a binary string (an ASCII piece is its own key, no encoding step), and counts of short
 * pieces are memoised. Same results as gpt-tokenizer's `countTokens` with no special tokens allowed
 * (tested on random Unicode text); several times faster on pieces it has not seen.
 */
class BpeCounter {
  private readonly ranks = new Map<string, number>();
  private readonly memo = new Map<string, number>();

  constructor(table: RankTable) {
    for (let rank = 0; rank < table.length; rank++) {
      const value = table[rank];
      if (value === undefined) continue;
      // unescape(encodeURIComponent(s)) is the UTF-8 bytes of a well-formed string as a binary string.
      const key =
        typeof value === "string"
          ? isAsciiString(value)
            ? value
            : unescape(encodeURIComponent(value))
          : binaryKey(value);
      this.ranks.set(key, rank);
    }
  }

  /** Tokens of one pre-tokenization piece. */
  piece(piece: string): number {
    if (piece.length === 1 && piece.charCodeAt(0) < 0x80) return 1;
    const short = piece.length <= 48;
    if (short) {
      const known = this.memo.get(piece);
      if (known !== undefined) return known;
    }
    const key = isAsciiString(piece) ? piece : binaryKey(utf8.encode(piece));
    const n = this.ranks.has(key) ? 1 : this.merge(key);
    if (short) {
      if (this.memo.size >= 200_000) this.memo.clear();
      this.memo.set(piece, n);
    }
    return n;
  }

  // Scratch arrays of merge(), reused: part start offsets and the rank of each adjacent pair.
  private starts = new Int32Array(256);
  private pairRanks = new Float64Array(256);

  private rankOf(key: string, from: number, to: number): number {
    return this.ranks.get(key.slice(from, to)) ?? Number.POSITIVE_INFINITY;
  }

  // tiktoken's byte-pair merge: repeatedly merge the adjacent pair with the lowest rank (leftmost on
  // ties) until no pair is a token; the count is the number of parts left.
  private merge(key: string): number {
    const length = key.length;
    if (this.starts.length < length + 1) {
      this.starts = new Int32Array(length + 1);
      this.pairRanks = new Float64Array(length + 1);
    }
    const starts = this.starts;
    const pairRanks = this.pairRanks;
    let parts = length;
    for (let i = 0; i <= length; i++) {
      starts[i] = i;
      pairRanks[i] = i + 2 <= length ? this.rankOf(key, i, i + 2) : Number.POSITIVE_INFINITY;
    }
    while (parts > 1) {
      let lowest = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (pairRanks[i]! < lowest) {
          lowest = pairRanks[i]!;
          at = i;
        }
      }
      if (at === -1) break;
      // Part at+1 merges into part at: drop its start and the pair rank of part at.
      starts.copyWithin(at + 1, at + 2, parts + 1);
      pairRanks.copyWithin(at, at + 1, parts + 1);
      parts--;
      pairRanks[at] =
        at + 2 <= parts ? this.rankOf(key, starts[at]!, starts[at + 2]!) : Number.POSITIVE_INFINITY;
      if (at > 0) pairRanks[at - 1] = this.rankOf(key, starts[at - 1]!, starts[at + 1]!);
    }
    return parts;
  }
}

const counters = new Map<BpeName, BpeCounter>();
// Rank tables loaded by `loadTokenizer` ahead of the first count.
const preloaded = new Map<BpeName, RankTable>();

// gpt-tokenizer's rank modules, by name: the ESM build's default export is the table; its CJS build
// sets `exports.default` without `__esModule`, so a bundler's interop may wrap it once more.
function rankTable(mod: unknown, name: BpeName): RankTable {
  let value = mod;
  for (let i = 0; i < 3 && !Array.isArray(value); i++) {
    value =
      typeof value === "object" && value !== null ? (value as { default?: unknown }).default : undefined;
  }
  if (!Array.isArray(value) || value.length < 50_000) {
    throw new Error(`[threadmill] gpt-tokenizer's ${name} table did not load; reinstall gpt-tokenizer.`);
  }
  return value as RankTable;
}

// A synchronous `require` where the runtime has one: Node's (Node >= 20.16, Bun and Deno have
// `process.getBuiltinModule`; no static import of a Node built-in here, so the root entry stays
// portable), else the CJS build's own. `null` elsewhere (browsers, edge runtimes, the ESM build on
// older Node): there `loadTokenizer` comes first.
function syncRequire(): ((id: string) => unknown) | null {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  const nodeModule =
    typeof getBuiltinModule === "function"
      ? (getBuiltinModule("module") as { createRequire?: (from: string) => (id: string) => unknown })
      : undefined;
  if (typeof nodeModule?.createRequire === "function") return nodeModule.createRequire(import.meta.url);
  // In the ESM build a bundler's `require` shim stands here; it throws, and the caller reports that.
  return typeof require === "function" ? require : null;
}

function loadTableSync(name: BpeName): RankTable {
  const table = preloaded.get(name);
  if (table !== undefined) return table;
  let mod: unknown;
  try {
    const load = syncRequire();
    if (load === null) throw new Error("no synchronous require");
    mod = load(`gpt-tokenizer/bpeRanks/${name}`);
  } catch (cause) {
    throw new Error(
      `[threadmill] this runtime cannot load the ${name} tables synchronously; call \`await loadTokenizer("${name}")\` before counting or chunking.`,
      { cause },
    );
  }
  return rankTable(mod, name);
}

// The rank tables (~2.4 MB of JS for o200k_base) load and the rank map (~100 ms, ~25 MB per encoding)
// is built on the first count, never at import: importing the package stays cheap for code that
// never tokenizes.
function bpeCounter(name: BpeName): BpeCounter {
  let counter = counters.get(name);
  if (counter === undefined) {
    counter = new BpeCounter(loadTableSync(name));
    counters.set(name, counter);
    preloaded.delete(name);
  }
  return counter;
}

/**
 * Loads a named tokenizer's tables now, with a dynamic `import()`, instead of on the first count.
 * Needed only where there is no synchronous `require` (browsers, edge runtimes, Node < 20.16 with
 * the ESM build); elsewhere it just moves the one-off cost (~150-250 ms, ~45 MB for o200k_base) to a
 * moment you choose. Custom `{ count }` tokenizers need nothing.
 * @example
 * await loadTokenizer("o200k_base");
 * const chunker = createChunker({ tokenizer: "o200k_base" });
 */
export async function loadTokenizer(tokenizer: TokenizerName = "o200k_base"): Promise<void> {
  const name: BpeName = tokenizer === "cl100k_base" ? "cl100k_base" : "o200k_base";
  if (tokenizer !== "o200k_base" && tokenizer !== "cl100k_base" && tokenizer !== "claude") {
    throw new TypeError(
      `[threadmill] unknown tokenizer ${JSON.stringify(tokenizer)}; use "o200k_base", "cl100k_base" or "claude".`,
    );
  }
  if (counters.has(name) || preloaded.has(name)) return;
  // Literal specifiers, so bundlers see (and split out) exactly these two modules.
  const mod =
    name === "o200k_base"
      ? await import("gpt-tokenizer/bpeRanks/o200k_base")
      : await import("gpt-tokenizer/bpeRanks/cl100k_base");
  if (!counters.has(name)) preloaded.set(name, rankTable(mod, name));
}

function bpeTokenizer(name: BpeName, factor: number): BaseTokenizer {
  let counter: BpeCounter | undefined;
  const source = name === "o200k_base" ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX;
  const regex = new RegExp(source.source, source.flags);
  const counted = { chars: 0 };
  return {
    counted,
    countPiece: (piece) => {
      counter ??= bpeCounter(name);
      return counter.piece(piece);
    },
    // No special tokens: `<|endoftext|>` and friends are counted as the text they are.
    countBase: (text) => {
      counted.chars += text.length;
      counter ??= bpeCounter(name);
      let n = 0;
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) n += counter.piece(m[0]);
      return n;
    },
    splitRegex: () => new RegExp(source.source, source.flags),
    exactSums: true,
    baseBudget:
      factor === 1
        ? (tokens) => tokens
        : (tokens) => {
            let base = Math.floor(tokens / factor);
            while (Math.ceil((base + 1) * factor) <= tokens) base++;
            while (base > 0 && Math.ceil(base * factor) > tokens) base--;
            return base;
          },
    toTokens: factor === 1 ? (base) => base : (base) => Math.ceil(base * factor),
  };
}

/** @internal Resolves a tokenizer option into what the chunker works with. */
export function resolveTokenizer(option: TokenizerOption): BaseTokenizer {
  if (option === "o200k_base" || option === "cl100k_base") return bpeTokenizer(option, 1);
  if (option === "claude") return bpeTokenizer("o200k_base", CLAUDE_TOKEN_FACTOR);
  if (typeof option === "object" && option !== null && typeof option.count === "function") {
    const count = option.count.bind(option);
    const counted = { chars: 0 };
    const memo = new Map<string, number>();
    const countBase = (text: string): number => {
      counted.chars += text.length;
      const n = count(text);
      if (!Number.isInteger(n) || n < 0) {
        throw new TypeError(
          `[threadmill] tokenizer.count() returned ${n}; it must return a non-negative integer.`,
        );
      }
      return n;
    };
    return {
      counted,
      countPiece: (piece) => {
        if (piece.length > 48) return countBase(piece);
        let n = memo.get(piece);
        if (n === undefined) {
          n = countBase(piece);
          if (memo.size >= 200_000) memo.clear();
          memo.set(piece, n);
        }
        return n;
      },
      countBase: (text) => {
        counted.chars += text.length;
        const n = count(text);
        if (!Number.isInteger(n) || n < 0) {
          throw new TypeError(
            `[threadmill] tokenizer.count() returned ${n}; it must return a non-negative integer.`,
          );
        }
        return n;
      },
      splitRegex: () => new RegExp(O200K_TOKEN_SPLIT_REGEX.source, O200K_TOKEN_SPLIT_REGEX.flags),
      exactSums: false,
      baseBudget: (tokens) => tokens,
      toTokens: (base) => base,
    };
  }
  throw new TypeError(
    `[threadmill] unknown tokenizer ${JSON.stringify(option)}; use "o200k_base", "cl100k_base", "claude" or { count(text) }.`,
  );
}

/**
 * A token counter with the chunker's semantics, for checking chunks or sizing prompts.
 * @example
 * createTokenCounter("o200k_base").count("Hello <|endoftext|>"); // 6, no throw
 */
export function createTokenCounter(tokenizer: TokenizerOption = "o200k_base"): TokenCounter {
  const resolved = resolveTokenizer(tokenizer);
  return { count: (text) => resolved.toTokens(resolved.countBase(text)) };
}
