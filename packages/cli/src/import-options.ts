import { CliError } from "./cli-error.js";

/** The tokenizers `--tokenizer` accepts. */
export const TOKENIZERS = ["o200k_base", "cl100k_base", "claude"] as const;
/** The values `--branches` accepts. */
export const BRANCH_MODES = ["active", "all"] as const;
/** The values `--missing` accepts. */
export const MISSING_MODES = ["keep", "delete"] as const;

/** The `import` options that change its output: they are part of the idempotency key and the job's options. */
export interface ImportOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly tokenizer: (typeof TOKENIZERS)[number];
  readonly branches: (typeof BRANCH_MODES)[number];
  /** What a re-import does with the library's conversations the export no longer has. */
  readonly missing: (typeof MISSING_MODES)[number];
}

/** The flags as commander hands them over (strings). */
export interface ImportFlags {
  readonly maxTokens?: string;
  readonly overlap?: string;
  readonly tokenizer?: string;
  readonly branches?: string;
  readonly missing?: string;
}

function integer(value: string | undefined, fallback: number, flag: string, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new CliError(`${flag} must be a whole number, got "${value}".`);
  const n = Number(value);
  if (n < min || n > 1_000_000) throw new CliError(`${flag} must be between ${min} and 1000000, got ${n}.`);
  return n;
}

/**
 * Validates `import`'s output options: `--max-tokens` (default 512, >= 16), `--overlap` (default
 * 64, smaller than half of max-tokens), `--tokenizer`, `--branches`, `--missing` (default keep).
 * @throws CliError (exit 2) naming the bad flag and the values it takes.
 */
export function parseImportOptions(flags: ImportFlags): ImportOptions {
  const maxTokens = integer(flags.maxTokens, 512, "--max-tokens", 16);
  const overlapTokens = integer(flags.overlap, Math.min(64, Math.floor(maxTokens / 4)), "--overlap", 0);
  if (overlapTokens * 2 > maxTokens) {
    throw new CliError(`--overlap ${overlapTokens} must be at most half of --max-tokens ${maxTokens}.`);
  }
  const tokenizer = flags.tokenizer ?? "o200k_base";
  if (!(TOKENIZERS as readonly string[]).includes(tokenizer)) {
    throw new CliError(`--tokenizer must be one of ${TOKENIZERS.join(", ")}; got "${tokenizer}".`);
  }
  const branches = flags.branches ?? "active";
  if (!(BRANCH_MODES as readonly string[]).includes(branches)) {
    throw new CliError(`--branches must be active or all; got "${branches}".`);
  }
  const missing = flags.missing ?? "keep";
  if (!(MISSING_MODES as readonly string[]).includes(missing)) {
    throw new CliError(`--missing must be keep or delete; got "${missing}".`);
  }
  return {
    maxTokens,
    overlapTokens,
    tokenizer: tokenizer as ImportOptions["tokenizer"],
    branches: branches as ImportOptions["branches"],
    missing: missing as ImportOptions["missing"],
  };
}
