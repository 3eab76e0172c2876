import type Anthropic from "@anthropic-ai/sdk";
import type { UnitResult } from "../pipeline/pipeline.js";
import type { SpendReservation } from "../ports/spend-ledger-store.js";
import { ProviderError } from "../errors/provider-error.js";
import { contentHash } from "../util/hash.js";
import {
  batchCustomId,
  batchResults,
  createFactBatch,
  findOwnBatch,
  newestBatchId,
  releaseReservations,
  reserveBatch,
} from "./fact-batch.js";
import { toProviderError } from "./provider-retry.js";
import { type FactsRunContext, planNext, requestOptions } from "./facts-run-context.js";
import { type ExtractionUnitResult, type FactsCursor, foldExtraction } from "./facts-unit.js";
import type { PlannedFactRequest } from "./plan-fact-requests.js";
import { modelUsage, usageCostMicroUsd } from "./request-cost.js";
import { answerOf, type FactRequestOutcome, runFactRequest } from "./run-fact-request.js";

const unitOnly = (result: UnitResult<FactsCursor>): ExtractionUnitResult => ({
  result,
  issues: [],
  error: null,
});

/** A call of the Batches API whose failure comes out typed (`ProviderError`: fatal for a 4xx). */
const provider = <T>(call: () => Promise<T>): Promise<T> =>
  call().catch((error: unknown) => {
    throw toProviderError(error);
  });

/**
 * One request's batch result, settled in the ledger at Batches prices. A valid answer gives its
 * facts; anything else (errored, expired, cut by max_tokens, refused, invalid, missing) is sent once
 * more through the Messages API, which splits, retries and reports as it always does.
 */
async function settleResult(
  run: FactsRunContext,
  plan: PlannedFactRequest,
  result: Anthropic.Messages.MessageBatchResult | undefined,
  reservation: SpendReservation | undefined,
  signal: AbortSignal,
): Promise<FactRequestOutcome> {
  let cost = 0;
  if (result?.type === "succeeded") {
    const u = result.message.usage;
    cost = usageCostMicroUsd(u, run.price, true);
    run.recordUsage?.(modelUsage(run.facts.model, u, cost));
    const tokens =
      u.input_tokens +
      (u.cache_creation_input_tokens ?? 0) +
      (u.cache_read_input_tokens ?? 0) +
      u.output_tokens;
    if (reservation) await run.ledger?.settle(reservation, { microUsd: cost, tokens });
    if (result.message.stop_reason !== "max_tokens") {
      const answer = answerOf(result.message);
      if ("facts" in answer)
        return { facts: answer.facts, issues: [], tries: 1, splits: 0, costMicroUsd: cost };
    }
  } else if (reservation) {
    // Errored, expired and canceled requests are not billed.
    await run.ledger?.settle(reservation, { microUsd: 0, tokens: 0 });
  }
  const again = await runFactRequest(plan, requestOptions(run, signal));
  return { ...again, tries: again.tries + 1, costMicroUsd: again.costMicroUsd + cost };
}

/**
 * A unit of the facts stage in Batches mode. Each batch takes several units, each of which
 * checkpoints before the next step: reserve every request and save the intent; create the batch
 * (or find the one a crashed try created) and save its id; look at it until it has ended, releasing
 * the job in between (`wakeAt`); then read the results, settle them and merge their facts.
 */
export async function nextBatchUnit(
  run: FactsRunContext,
  cursor: FactsCursor,
  signal: AbortSignal,
): Promise<ExtractionUnitResult> {
  const state = cursor.batch ?? null;
  // Measured from when the unit returns: the poll interval is the time between two looks.
  const wakeAt = () => Date.now() + run.batchPollMs;
  if (!state) {
    const plans = await planNext(run, cursor, run.facts.batchSize);
    if (plans.length === 0) return unitOnly({ cursor: { ...cursor, phase: "supersede" }, done: false });
    const answered = new Set(cursor.done);
    const reserved = await reserveBatch({
      plans: plans.filter((p) => !answered.has(p.id)),
      ledger: run.ledger,
      scope: { tenant: run.tenant, jobId: run.jobId },
      price: run.price,
      maxTokens: run.facts.maxTokens,
      counter: run.counter,
    });
    const batch = { id: null, intentAt: Date.now(), planned: plans.length, ...reserved, foreign: [] };
    return unitOnly({ cursor: { ...cursor, batch }, done: false });
  }
  // The batch's requests, and before them any answered earlier; requests planned after the last
  // reserved one wait for the next batch. Read back from the store only by the steps that need the
  // texts (creating, collecting), never by a poll.
  const inBatch = new Set(state.ids);
  const batchPlans = async () => {
    const all = await planNext(run, cursor, state.planned);
    return all.slice(0, all.findLastIndex((p) => inBatch.has(p.id)) + 1);
  };
  const jobKey = contentHash(run.tenant, run.jobId);
  if (state.id === null) {
    // First note the newest batch that exists, so that a batch adopted later (after a crash between
    // creating it and saving its id) can only be one created since.
    if (state.newerThan === undefined) {
      const newerThan = await provider(() => newestBatchId(run.client));
      return unitOnly({ cursor: { ...cursor, batch: { ...state, newerThan } }, done: false });
    }
    const id = await provider(async () => {
      const own = await findOwnBatch(run.client, state);
      if (own) return own;
      const body = { model: run.facts.model, maxTokens: run.facts.maxTokens, jobKey };
      const plans = await batchPlans();
      return createFactBatch(
        run.client,
        plans.filter((p) => inBatch.has(p.id)),
        body,
      );
    }).catch(async (error: unknown) => {
      // Refused for good (a bad request, a bad key): nothing was sent, the reservations go back.
      if (ProviderError.isInstance(error) && !error.retriable) {
        await releaseReservations(run.ledger, Object.values(state.reservations));
      }
      throw error;
    });
    return unitOnly({ cursor: { ...cursor, batch: { ...state, id } }, done: false, wakeAt: wakeAt() });
  }
  const batchId = state.id;
  const batch = await provider(() => run.client.messages.batches.retrieve(batchId));
  if (batch.processing_status !== "ended") return unitOnly({ cursor, done: false, wakeAt: wakeAt() });
  const results = await provider(() => batchResults(run.client, batchId));
  const ours = new Set(state.ids.map((id) => batchCustomId(jobKey, id)));
  if ([...results.keys()].some((id) => !ours.has(id))) {
    // Adopted after a crash but not ours after all: look again, never at this one.
    const foreign = [...state.foreign, batchId];
    return unitOnly({ cursor: { ...cursor, batch: { ...state, id: null, foreign } }, done: false });
  }
  const plans = await batchPlans();
  const settled = await Promise.allSettled(
    plans.map((plan) =>
      inBatch.has(plan.id)
        ? settleResult(
            run,
            plan,
            results.get(batchCustomId(jobKey, plan.id)),
            state.reservations[plan.id],
            signal,
          )
        : Promise.resolve(null),
    ),
  );
  const folded = await foldExtraction({
    cursor,
    plans,
    settled,
    store: run.factStore,
    tenant: run.tenant,
    fallbackAt: run.fallbackAt,
    total: run.total,
  });
  return { ...folded, result: { ...folded.result, cursor: { ...folded.result.cursor, batch: null } } };
}
