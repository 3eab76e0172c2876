import { factsJobOptions } from "../anthropic/facts-job-options.js";
import { FACTS_PROMPT_VERSION } from "../anthropic/fact-prompt.js";
import type { ChunkerOptions } from "../chunk/chunker.js";
import { contentHash } from "../util/hash.js";
import type { JsonObject } from "../util/json.js";

/** A custom tokenizer or format function, named by what it is (its source text for a function). */
function describe(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "function") return `fn:${value.toString()}`;
  return `custom:${(value as { name?: string }).name ?? "unnamed"}`;
}

/**
 * The hash of a job's options that change its chunks or facts: the chunker's settings, the branches
 * read, and with facts on, the prompt version, model and what the stage sends. Part of every
 * conversation's fingerprint, so a new chunk size or model makes every conversation changed.
 */
export function librarySettings(input: {
  readonly branches: "active" | "all";
  readonly chunker: ChunkerOptions;
  readonly options: JsonObject;
}): string {
  const { chunker } = input;
  const facts = factsJobOptions(input.options);
  return contentHash(
    "library-settings-v1",
    input.branches,
    chunker.maxTokens ?? null,
    chunker.overlapTokens ?? null,
    describe(chunker.tokenizer),
    describe(chunker.format),
    facts === null
      ? "no-facts"
      : [
          FACTS_PROMPT_VERSION,
          facts.model,
          facts.assistant,
          facts.codeChars ?? "",
          facts.logLines ?? "",
          facts.messageChars ?? "",
        ].join("|"),
  );
}
