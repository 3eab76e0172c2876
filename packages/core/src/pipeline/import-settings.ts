import type { ChunkerOptions } from "../chunk/chunker.js";
import type { TokenizerName } from "../chunk/tokenizer-option.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { JsonObject } from "../util/json.js";
import type { ImportPipelineOptions } from "./import-pipeline-options.js";

const TOKENIZERS: readonly TokenizerName[] = ["o200k_base", "cl100k_base", "claude"];

function positiveInt(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option ${name} must be a whole number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The chunker and reader settings of one job: the job's options over the pipeline's. */
export function importSettings(defaults: ImportPipelineOptions, options: JsonObject) {
  const branches = options.branches ?? defaults.branches ?? "active";
  if (branches !== "active" && branches !== "all") {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option branches must be "active" or "all", got ${JSON.stringify(branches)}`,
    );
  }
  const tokenizer = options.tokenizer ?? defaults.tokenizer ?? "o200k_base";
  if (typeof tokenizer === "string" && !(TOKENIZERS as readonly string[]).includes(tokenizer)) {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option tokenizer must be one of ${TOKENIZERS.join(", ")}, got ${JSON.stringify(tokenizer)}`,
    );
  }
  const missing = options.missing ?? "keep";
  if (missing !== "keep" && missing !== "delete") {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option missing must be "keep" or "delete", got ${JSON.stringify(missing)}`,
    );
  }
  return {
    branches: branches as "active" | "all",
    missing: missing as "keep" | "delete",
    chunker: {
      maxTokens: positiveInt(options.maxTokens, defaults.maxTokens ?? 512, "maxTokens"),
      overlapTokens: positiveInt(options.overlapTokens, defaults.overlapTokens ?? 64, "overlapTokens"),
      tokenizer: tokenizer as NonNullable<ChunkerOptions["tokenizer"]>,
      ...(defaults.format ? { format: defaults.format } : {}),
    } satisfies ChunkerOptions,
  };
}
