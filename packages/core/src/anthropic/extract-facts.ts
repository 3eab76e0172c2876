import { createTokenCounter } from "../chunk/token-counter.js";
import type { Fact } from "../facts/fact.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import type { RateLimiter } from "../ratelimit/create-rate-limiter.js";
import type { SpendLedger } from "../spend/create-spend-ledger.js";
import { createFactRequestPacker, type FactRequestPlan } from "./fact-request-packer.js";
import { resolveFactTextRules } from "./fact-text-rules.js";
import { clientOf, type FactsClient } from "./facts-client.js";
import { factsJobOptionsSchema, type FactsJobOptions } from "./facts-job-options.js";
import { factsOfAnswer, mergeFact, supersede } from "./merge-facts.js";
import { type ModelPrice, priceOf } from "./model-prices.js";
import { type FactRequestIssue, runFactRequest } from "./run-fact-request.js";

/** Options of `extractFacts`: the facts options of a job, the client, and optionally a limiter and a ledger. */
export interface ExtractFactsOptions extends Partial<Omit<FactsJobOptions, "batch" | "batchSize">> {
  readonly client: FactsClient;
  readonly limiter?: RateLimiter;
  /** With `ledger`, every request reserves its most possible cost under `scope` first. */
  readonly ledger?: SpendLedger;
  readonly scope?: { readonly tenant: string; readonly jobId?: string };
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  readonly signal?: AbortSignal;
}

/** What `extractFacts` found and what it cost. */
export interface ExtractedFacts {
  /** Merged across requests, replaced values marked `supersededBy`. */
  readonly facts: Fact[];
  readonly requests: number;
  readonly costMicroUsd: number;
  readonly issues: FactRequestIssue[];
}

/**
 * Extracts facts from conversations in this process, without a job: the facts stage's packing,
 * prompt, validation, retries and merging, for a handful of conversations (an evaluation, a small
 * import). Nothing is checkpointed; for an export, use the facts stage.
 * @example
 * const { facts } = await extractFacts(conversations, { client: new Anthropic() });
 */
export async function extractFacts(
  conversations: Iterable<StoredConversation> | AsyncIterable<StoredConversation>,
  options: ExtractFactsOptions,
): Promise<ExtractedFacts> {
  const { client: clientOption, limiter, ledger, scope, prices, signal, ...rest } = options;
  const facts = factsJobOptionsSchema.parse(rest);
  const price = priceOf(facts.model, prices);
  if (!price)
    throw new RangeError(`[threadmill] [facts] no price for model ${facts.model}: pass it in prices.`);
  if (ledger && !scope)
    throw new RangeError("[threadmill] [facts] a ledger needs the scope to charge ({ tenant, jobId? }).");
  const client = await clientOf(clientOption);
  const counter = createTokenCounter("claude");
  const packer = createFactRequestPacker({
    model: facts.model,
    requestTokens: facts.requestTokens,
    counter,
    rules: resolveFactTextRules(facts),
  });
  const plans: FactRequestPlan[] = [];
  for await (const c of conversations) plans.push(...packer.add(c));
  const last = packer.flush();
  if (last) plans.push(last);

  const merged = new Map<string, Fact>();
  const issues: FactRequestIssue[] = [];
  let requests = 0;
  let costMicroUsd = 0;
  for (let i = 0; i < plans.length; i += facts.concurrency) {
    const batch = plans.slice(i, i + facts.concurrency);
    const outcomes = await Promise.all(
      batch.map((plan) =>
        runFactRequest(plan, {
          client,
          model: facts.model,
          maxTokens: facts.maxTokens,
          price,
          limiter,
          ledger,
          scope: scope ?? { tenant: "" },
          counter,
          ...(signal ? { signal } : {}),
        }),
      ),
    );
    for (const [j, outcome] of outcomes.entries()) {
      requests += outcome.tries;
      costMicroUsd += outcome.costMicroUsd;
      issues.push(...outcome.issues);
      for (const f of factsOfAnswer(outcome.facts, batch[j]!.conversations, new Date()).facts) {
        const before = merged.get(f.id);
        merged.set(f.id, before ? mergeFact(before, f) : f);
      }
    }
  }
  for (const f of supersede([...merged.values()])) merged.set(f.id, f);
  return {
    facts: [...merged.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    requests,
    costMicroUsd,
    issues,
  };
}
