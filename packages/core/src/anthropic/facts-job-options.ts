import { z } from "zod";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { JsonObject } from "../util/json.js";
import { DEFAULT_FACTS_MODEL } from "./model-prices.js";

/** The `facts` entry of a job's options: `true` for the defaults, or these fields. */
export const factsJobOptionsSchema = z.strictObject({
  /** @default "claude-haiku-4-5" */
  model: z.string().min(1).default(DEFAULT_FACTS_MODEL),
  /** The job's cap in US dollars, stored in the spend ledger the first time the stage runs. */
  budgetUsd: z.number().positive().optional(),
  /**
   * Most output tokens per request. At most 21,333: the SDK refuses a non-streaming request whose
   * `max_tokens` could take over 10 minutes. @default 8192
   */
  maxTokens: z.int().min(256).max(21_333).default(8192),
  /** Most estimated tokens of conversation text per request. @default 24000 */
  requestTokens: z.int().min(1000).max(150_000).default(24_000),
  /** Requests in flight at once per job. @default 4 */
  concurrency: z.int().min(1).max(32).default(4),
  /** Send assistant messages too. @default false */
  assistant: z.boolean().default(false),
  codeChars: z.int().min(0).optional(),
  logLines: z.int().min(2).optional(),
  messageChars: z.int().min(200).optional(),
  /** Use the Message Batches API (half the price, answers within 24 h). @default false */
  batch: z.boolean().default(false),
  /** Requests per Message Batch (Batches mode). @default 200 */
  batchSize: z.int().min(1).max(10_000).default(200),
});

/** The facts options of one job, defaults applied. */
export type FactsJobOptions = z.infer<typeof factsJobOptionsSchema>;

/** The job's facts options, or `null` when the job did not ask for facts. A bad value is a `JobConfigurationError`. */
export function factsJobOptions(options: JsonObject): FactsJobOptions | null {
  const value = options.facts;
  if (value === undefined || value === null || value === false) return null;
  const parsed = factsJobOptionsSchema.safeParse(value === true ? {} : value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `facts option ${issue?.path.join(".") || "facts"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}
