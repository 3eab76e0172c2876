import { BpeCounter } from "./bpe-counter.js";
import { ByteRanks } from "./byte-ranks.js";
import { importRankModule, loadTableSync, preloadedTables, rankTable } from "./rank-table-loader.js";
import { SharedPieceMemo } from "./shared-piece-memo.js";
import { SharedRanks } from "./shared-ranks.js";
import { type BpeName, bpeName, type TokenizerName } from "./tokenizer-option.js";

// This thread's counter of each encoding, built on its first count.
const counters = new Map<BpeName, BpeCounter>();

// The rank tables (~2.4 MB of JS for o200k_base) load and the rank map (~100 ms, ~25 MB per encoding)
// is built on the first count, never at import: importing the package stays cheap for code that
// never tokenizes.
/** @internal This thread's counter for `name`. */
export function bpeCounter(name: BpeName): BpeCounter {
  let counter = counters.get(name);
  if (counter === undefined) {
    const shared = sharedRanks.get(name);
    counter = new BpeCounter(
      shared === undefined ? ByteRanks.build(loadTableSync(name)) : shared.ranks(() => loadTableSync(name)),
    );
    counters.set(name, counter);
    preloadedTables.delete(name);
  }
  return counter;
}

// Rank tables this thread shares with others (a chunker pool's workers), by encoding.
const sharedRanks = new Map<BpeName, SharedRanks>();

/**
 * @internal Makes this thread count `tokenizer` with the rank table in `buffer` (from
 * `SharedRanks.allocate(tokenizer)`), built once by whichever thread of those sharing it counts
 * first. Call it before the first count; a thread that has counted already keeps its own table.
 */
export function shareRanks(tokenizer: TokenizerName, buffer: SharedArrayBuffer, waitMs?: number): void {
  const name = bpeName(tokenizer);
  sharedRanks.set(name, new SharedRanks(name, buffer, waitMs));
}

/**
 * @internal Makes this thread's counter for `tokenizer` read and fill `buffer` (from
 * `SharedPieceMemo.allocate()`), a piece memo other threads share.
 */
export function sharePieceMemo(tokenizer: TokenizerName, buffer: SharedArrayBuffer): void {
  bpeCounter(bpeName(tokenizer)).shared = new SharedPieceMemo(buffer);
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
  const name = bpeName(tokenizer);
  if (tokenizer !== "o200k_base" && tokenizer !== "cl100k_base" && tokenizer !== "claude") {
    throw new TypeError(
      `[threadmill] unknown tokenizer ${JSON.stringify(tokenizer)}; use "o200k_base", "cl100k_base" or "claude".`,
    );
  }
  if (counters.has(name) || preloadedTables.has(name)) return;
  const mod = await importRankModule(name);
  if (!counters.has(name)) preloadedTables.set(name, rankTable(mod, name));
}
