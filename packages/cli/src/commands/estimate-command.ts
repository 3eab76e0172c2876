import type { Source } from "@threadmill/core";
import { estimateFacts, type FactsEstimate } from "@threadmill/core/anthropic";
import { createDirectorySource, createFileSource, createHttpSource, readExport } from "@threadmill/core/node";
import { CliError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { parseFactsModel } from "../facts-flags.js";
import { formatCount } from "../format-count.js";
import { type ResolvedInput, resolveInput } from "../resolve-input.js";

function sourceOf(input: ResolvedInput): Source {
  if (input.kind === "file") return createFileSource(input.path);
  if (input.kind === "directory") return createDirectorySource(input.path);
  return createHttpSource(input.url);
}

const usd = (n: number) => `$${n < 10 ? n.toFixed(4) : n.toFixed(2)}`;

function table(e: FactsEstimate): string {
  const lines = [
    `model                  ${e.model}`,
    `conversations          ${formatCount(e.conversations)}`,
    `messages sent          ${formatCount(e.messages)}`,
    `requests               ${formatCount(e.requests)}`,
    `input tokens           ${formatCount(e.inputTokens)}`,
    `output tokens (exp.)   ${formatCount(e.expectedOutputTokens)}`,
    `cost, Messages API     ${usd(e.usd.messages)}`,
    `cost, Batches (--batch) ${usd(e.usd.batch)}`,
    `prompt caching         ${e.cached ? "applies" : `does not apply (the shared prefix is below ${e.model}'s minimum)`}`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `threadmill estimate <file|dir|url> --facts [--model m] [--json]`: what extracting facts from an
 * export would cost, before anything is spent: reads the export, packs it as the facts stage would
 * and prices it. Needs no key and sends nothing.
 */
export async function estimateCommand(
  input: string,
  flags: { readonly facts?: boolean; readonly model?: string; readonly json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  if (!flags.facts) throw new CliError("estimate needs --facts (fact extraction is what it prices).");
  const model = parseFactsModel(flags.model);
  const resolved = await resolveInput(input, ctx.io.cwd);
  const estimate = await estimateFacts(readExport(sourceOf(resolved)), { model });
  ctx.io.stdout.write(
    flags.json ? `${JSON.stringify({ type: "estimate", ...estimate })}\n` : table(estimate),
  );
  return EXIT_CODES.ok;
}
