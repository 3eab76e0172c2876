import type Anthropic from "@anthropic-ai/sdk";
import type { TokenCounter } from "../chunk/token-counter.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { FactStore } from "../ports/fact-store.js";
import type { RateLimiter } from "../ratelimit/create-rate-limiter.js";
import type { SpendLedger } from "../spend/create-spend-ledger.js";
import type { ModelUsage } from "../telemetry/model-usage.js";
import { createFactRequestPacker } from "./fact-request-packer.js";
import type { ResolvedFactTextRules } from "./fact-text-rules.js";
import type { FactsJobOptions } from "./facts-job-options.js";
import type { FactsCursor } from "./facts-unit.js";
import type { ModelPrice } from "./model-prices.js";
import { type PlannedFactRequest, planFactRequests } from "./plan-fact-requests.js";
import type { RunFactRequestOptions } from "./run-fact-request.js";

/** What every unit of one claim of the facts stage shares. */
export interface FactsRunContext {
  readonly conversations: ConversationStore;
  readonly factStore: FactStore;
  readonly client: Pick<Anthropic, "messages">;
  readonly limiter: RateLimiter | undefined;
  readonly ledger: SpendLedger | undefined;
  readonly facts: FactsJobOptions;
  readonly price: ModelPrice;
  readonly counter: TokenCounter;
  readonly rules: ResolvedFactTextRules;
  readonly tenant: string;
  readonly jobId: string;
  /** The conversations the job's import wrote (a re-import holds unchanged ones); `null`: all of the job's. */
  readonly written: ReadonlySet<string> | null;
  /** The job's conversations, for progress. */
  readonly total: number;
  /** A fact's time when neither its message nor its conversation has one: the job's creation. */
  readonly fallbackAt: Date;
  readonly retries: number | undefined;
  readonly minTimeoutMs: number | undefined;
  /** How often a running batch is looked at, in ms. */
  readonly batchPollMs: number;
  /** The runner's usage metrics (`StageContext.recordUsage`), when it records them. */
  readonly recordUsage: ((usage: ModelUsage) => void) | undefined;
}

/** The next `count` requests from the cursor's position (the same ones every time from the same position). */
export function planNext(
  run: FactsRunContext,
  cursor: FactsCursor,
  count: number,
): Promise<PlannedFactRequest[]> {
  return planFactRequests({
    conversations: run.conversations,
    tenant: run.tenant,
    jobId: run.jobId,
    from: cursor.position,
    only: run.written,
    covered: cursor.covered,
    count,
    packer: createFactRequestPacker({
      model: run.facts.model,
      requestTokens: run.facts.requestTokens,
      counter: run.counter,
      rules: run.rules,
    }),
  }).then((plans) => plans.slice(0, count));
}

/** The options of `runFactRequest` for one unit. */
export function requestOptions(run: FactsRunContext, signal: AbortSignal): RunFactRequestOptions {
  return {
    client: run.client,
    model: run.facts.model,
    maxTokens: run.facts.maxTokens,
    price: run.price,
    limiter: run.limiter,
    ledger: run.ledger,
    scope: { tenant: run.tenant, jobId: run.jobId },
    signal,
    counter: run.counter,
    retries: run.retries,
    minTimeoutMs: run.minTimeoutMs,
    recordUsage: run.recordUsage,
  };
}
