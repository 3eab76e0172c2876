import { createTokenCounter } from "../chunk/token-counter.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import { FACT_UNSUPPORTED, type Fact } from "../facts/fact.js";
import { jobLibraryChanges } from "../library/job-library-changes.js";
import type { Stage, StageContext, StageRun, UnitContext, UnitResult } from "../pipeline/pipeline.js";
import type { Adapter } from "../ports/adapter.js";
import type { FactStore } from "../ports/fact-store.js";
import type { RateLimiter } from "../ratelimit/create-rate-limiter.js";
import type { SpendLedger } from "../spend/create-spend-ledger.js";
import { clientOf, type FactsClient } from "./facts-client.js";
import { nextBatchUnit } from "./facts-batch-unit.js";
import { type FactsRunContext, planNext, requestOptions } from "./facts-run-context.js";
import { resolveFactTextRules } from "./fact-text-rules.js";
import { type FactsJobOptions, factsJobOptions } from "./facts-job-options.js";
import { type ExtractionUnitResult, type FactsCursor, foldExtraction } from "./facts-unit.js";
import { supersede } from "./merge-facts.js";
import { retireUnsupportedFacts } from "./retire-unsupported-facts.js";
import { type ModelPrice, priceOf } from "./model-prices.js";
import { runFactRequest } from "./run-fact-request.js";

/** Options of `createFactsStage`. */
export interface FactsStageOptions {
  /**
   * Where the job's conversations are read back from and its facts merged into: `adapter` (its
   * `conversations` and `facts`, and `library`, which says what a re-import changed).
   */
  readonly store: Pick<Adapter, "conversations" | "facts" | "library">;
  /**
   * The Anthropic client. @default `new Anthropic()` from `@anthropic-ai/sdk`, which reads
   * `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL`; its own retries are always off (`maxRetries: 0`).
   */
  readonly client?: FactsClient;
  /** The shared limiter every request passes (rules named `requests`, `inputTokens`, `outputTokens`; key: the model). */
  readonly limiter?: RateLimiter;
  /** The spend ledger every request reserves its most possible cost in; needed for `budgetUsd`. */
  readonly ledger?: SpendLedger;
  /** Prices by model id, over `MODEL_PRICES`. */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /** More predicates that hold one value at a time (a newer fact supersedes the older). */
  readonly singleValued?: readonly string[];
  /** Tries of one send after a transient failure. @default 6 */
  readonly retries?: number;
  /** Backoff floor between tries, in ms. @default 500 */
  readonly minTimeoutMs?: number;
  /** How often a Message Batch still running is looked at (the job is released in between), in ms. @default 60000 */
  readonly batchPollMs?: number;
  /** @default "facts" */
  readonly name?: string;
}

const START: FactsCursor = { phase: "retire", position: null, covered: 0, done: [] };

/** Stores the job's cap the first time (a cap raised later in the ledger is never lowered back). */
async function applyBudget(
  options: FactsStageOptions,
  context: StageContext,
  facts: FactsJobOptions,
): Promise<void> {
  if (facts.budgetUsd === undefined) return;
  if (!options.ledger) {
    throw new JobConfigurationError(
      "MISSING_STORE",
      "facts.budgetUsd needs the facts stage's ledger (createSpendLedger).",
    );
  }
  const scope = { tenant: context.job.tenant, jobId: context.job.id };
  const { caps } = await options.ledger.spent(scope);
  if (caps.microUsd === undefined)
    await options.ledger.setCaps(scope, { ...caps, microUsd: Math.round(facts.budgetUsd * 1e6) });
}

/** Every fact of the tenant, by id. */
async function allFacts(store: FactStore, tenant: string): Promise<Fact[]> {
  const all: Fact[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.list(tenant, { limit: 1000, ...(after === undefined ? {} : { after }) });
    all.push(...page);
    if (page.length < 1000) return all;
    after = page[page.length - 1]!.id;
  }
}

/**
 * A re-import, before extracting: the sources facts have in its changed and deleted conversations
 * go, and facts left with none are marked unsupported (see `retireUnsupportedFacts`).
 */
async function retireUnit(options: FactsStageOptions, job: { readonly tenant: string; readonly id: string }) {
  const next: FactsCursor = { ...START, phase: "extract" };
  const { library } = options.store;
  const changes = library ? await jobLibraryChanges(library, job.tenant, job.id) : null;
  if (!changes || changes.changed.size + changes.deleted.size === 0)
    return { cursor: next, done: false as const };
  const retired = retireUnsupportedFacts(await allFacts(options.store.facts!, job.tenant), changes);
  return {
    cursor: next,
    done: false as const,
    facts: retired,
    counts: { factsUnsupported: retired.filter((f) => f.supersededBy === FACT_UNSUPPORTED).length },
  };
}

/** Marks replaced facts of single-valued predicates across the tenant's whole library. */
async function supersedeUnit(
  options: FactsStageOptions,
  tenant: string,
  cursor: FactsCursor,
): Promise<UnitResult<FactsCursor>> {
  const standing = (await allFacts(options.store.facts!, tenant)).filter(
    (f) => f.supersededBy !== FACT_UNSUPPORTED,
  );
  const changed = supersede(standing, options.singleValued);
  return {
    cursor,
    done: true,
    facts: changed,
    counts: { factsSuperseded: changed.filter((f) => f.supersededBy).length },
  };
}

/** One unit of extraction through the Messages API: `concurrency` requests at once. */
async function nextMessagesUnit(
  run: FactsRunContext,
  cursor: FactsCursor,
  signal: AbortSignal,
): Promise<ExtractionUnitResult> {
  const plans = await planNext(run, cursor, run.facts.concurrency);
  const answered = new Set(cursor.done);
  const settled = await Promise.allSettled(
    plans.map((plan) =>
      answered.has(plan.id) ? Promise.resolve(null) : runFactRequest(plan, requestOptions(run, signal)),
    ),
  );
  return foldExtraction({
    cursor,
    plans,
    settled,
    store: run.factStore,
    tenant: run.tenant,
    fallbackAt: run.fallbackAt,
    total: run.total,
  });
}

async function runContext(
  options: FactsStageOptions,
  context: StageContext,
  facts: FactsJobOptions,
): Promise<FactsRunContext> {
  const factStore = options.store.facts;
  if (!factStore)
    throw new JobConfigurationError("MISSING_STORE", "the facts stage's store has no FactStore (facts).");
  const price = priceOf(facts.model, options.prices);
  if (!price)
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `no price for model ${facts.model}: pass it in the facts stage's prices.`,
    );
  await applyBudget(options, context, facts);
  const { tenant, id: jobId } = context.job;
  // The conversations the import wrote, when it kept the library (a re-import holds unchanged ones).
  const { library } = options.store;
  const written =
    library && (await library.count(tenant, { jobId })) > 0
      ? (await jobLibraryChanges(library, tenant, jobId)).written
      : null;
  return {
    conversations: options.store.conversations,
    factStore,
    client: await clientOf(options.client),
    limiter: options.limiter,
    ledger: options.ledger,
    facts,
    price,
    counter: createTokenCounter("claude"),
    rules: resolveFactTextRules(facts),
    tenant,
    jobId,
    written,
    total: written ? written.size : await options.store.conversations.count(tenant, { jobId }),
    fallbackAt: new Date(context.job.createdAt),
    retries: options.retries,
    minTimeoutMs: options.minTimeoutMs,
    batchPollMs: options.batchPollMs ?? 60_000,
    recordUsage: context.recordUsage,
  };
}

async function openFacts(
  options: FactsStageOptions,
  context: StageContext,
  saved: FactsCursor | null,
): Promise<StageRun<FactsCursor>> {
  const facts = factsJobOptions(context.options);
  if (!facts) return { next: async () => ({ cursor: saved ?? START, done: true }) };
  const run = await runContext(options, context, facts);
  let cursor = saved ?? START;
  let pending: unknown = null;
  return {
    async next(unit: UnitContext) {
      // A failure beside answered requests is raised once their facts are written and checkpointed.
      if (pending !== null) throw pending;
      if (cursor.phase === "supersede") return supersedeUnit(options, run.tenant, cursor);
      if (cursor.phase === "retire") {
        const retired = await retireUnit(options, context.job);
        cursor = retired.cursor;
        // Nothing to retire (a first import): extraction starts in this unit.
        if (retired.facts) return retired;
      }
      const unitResult = facts.batch
        ? await nextBatchUnit(run, cursor, unit.signal)
        : await nextMessagesUnit(run, cursor, unit.signal);
      cursor = unitResult.result.cursor;
      pending = unitResult.error;
      return unitResult.result;
    },
  };
}

/**
 * The facts stage, placed after `import` in a pipeline: for jobs whose options ask for `facts`, it
 * reads the job's conversations back from the store, sends the person's own words packed many
 * conversations per request, validates each answer, merges the facts into the store and finally
 * marks replaced ones superseded. Every request passes the limiter and reserves its most possible
 * cost in the ledger first; at the budget the job fails with `BudgetExceededError`, and retrying it
 * after raising the cap continues where it stopped. Jobs without `facts` pass through untouched.
 * @example
 * const pipeline = { stages: [...createImportPipeline().stages, createFactsStage({ store: adapter, ledger, limiter })] };
 */
export function createFactsStage(options: FactsStageOptions): Stage<FactsCursor | null> {
  return {
    name: options.name ?? "facts",
    open: (context, cursor) => openFacts(options, context, cursor),
  };
}
