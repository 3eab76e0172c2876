import { DEFAULT_FACTS_MODEL, MODEL_PRICES, priceOf } from "@threadmill/core/anthropic";
import { CliError } from "./cli-error.js";

/** `import`'s facts flags as commander hands them over. */
export interface FactsFlags {
  readonly facts?: boolean;
  readonly model?: string;
  readonly budgetUsd?: string;
  readonly batch?: boolean;
}

/** The `facts` entry of the job's options. */
export interface FactsOption {
  readonly model: string;
  readonly budgetUsd?: number;
  readonly batch: boolean;
}

/** `--budget-usd`: a positive amount of dollars. */
export function parseBudgetUsd(value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n > 0)) throw new CliError(`--budget-usd must be a positive amount of dollars, got "${value}".`);
  return n;
}

/** `--model`: one the price table knows, so its spending can be capped. */
export function parseFactsModel(value: string | undefined): string {
  const model = value ?? DEFAULT_FACTS_MODEL;
  if (!priceOf(model)) {
    throw new CliError(
      `--model ${model} has no price, so its spending could not be capped; use one of ${Object.keys(MODEL_PRICES).join(", ")}.`,
    );
  }
  return model;
}

/**
 * Validates `--facts`, `--model`, `--budget-usd` and `--batch`, and that the key is set (never
 * printing it). `null` without `--facts`.
 * @throws CliError (exit 2)
 */
export function parseFactsFlags(
  flags: FactsFlags,
  env: Readonly<Record<string, string | undefined>>,
): FactsOption | null {
  if (!flags.facts) {
    const stray = [
      flags.model && "--model",
      flags.budgetUsd !== undefined && "--budget-usd",
      flags.batch && "--batch",
    ].filter(Boolean);
    if (stray.length > 0)
      throw new CliError(`${stray.join(", ")} ${stray.length > 1 ? "go" : "goes"} with --facts.`);
    return null;
  }
  if (!env.ANTHROPIC_API_KEY) {
    throw new CliError(
      "--facts needs an Anthropic API key in ANTHROPIC_API_KEY (`threadmill estimate <input> --facts` needs none).",
    );
  }
  return {
    model: parseFactsModel(flags.model),
    ...(flags.budgetUsd !== undefined ? { budgetUsd: parseBudgetUsd(flags.budgetUsd) } : {}),
    batch: flags.batch === true,
  };
}
