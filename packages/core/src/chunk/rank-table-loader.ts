import type { RankTable } from "./byte-ranks.js";
import type { BpeName } from "./tokenizer-option.js";

/** @internal Rank tables `loadTokenizer` loaded ahead of the first count, until a counter takes them. */
export const preloadedTables = new Map<BpeName, RankTable>();

// gpt-tokenizer's rank modules, by name: the ESM build's default export is the table; its CJS build
// sets `exports.default` without `__esModule`, so a bundler's interop may wrap it once more.
/** @internal The table of one of gpt-tokenizer's rank modules, checked. */
export function rankTable(mod: unknown, name: BpeName): RankTable {
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

// Rank tables this thread has loaded from gpt-tokenizer (a pool's threads share one: tests check it).
let tablesLoaded = 0;
/** @internal */
export const rankTablesLoaded = (): number => tablesLoaded;

/** @internal The rank table of `name`: preloaded, else required now (counted by `rankTablesLoaded`). */
export function loadTableSync(name: BpeName): RankTable {
  tablesLoaded++;
  const table = preloadedTables.get(name);
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

/** @internal gpt-tokenizer's rank module of `name` (for `rankTable`), with a dynamic `import()`. */
export function importRankModule(name: BpeName): Promise<unknown> {
  // Literal specifiers, so bundlers see (and split out) exactly these two modules.
  return name === "o200k_base"
    ? import("gpt-tokenizer/bpeRanks/o200k_base")
    : import("gpt-tokenizer/bpeRanks/cl100k_base");
}
