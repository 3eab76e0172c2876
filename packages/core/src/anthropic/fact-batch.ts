import type Anthropic from "@anthropic-ai/sdk";
import type { TokenCounter } from "../chunk/token-counter.js";
import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import type { SpendReservation, SpendScope } from "../ports/spend-ledger-store.js";
import type { SpendLedger } from "../spend/create-spend-ledger.js";
import type { ModelPrice } from "./model-prices.js";
import type { PlannedFactRequest } from "./plan-fact-requests.js";
import { maxRequestCostMicroUsd } from "./request-cost.js";
import { factRequestBody, requestInputTokens } from "./run-fact-request.js";

/** A Message Batch of the facts stage, as its cursor keeps it. */
export interface FactBatchState {
  /** `null` between saving the intent and learning the batch's id. */
  readonly id: string | null;
  /** When the batch was about to be created (epoch ms): a batch created since then may be ours. */
  readonly intentAt: number;
  /** How many requests were planned from the cursor's position (some may have been answered before). */
  readonly planned: number;
  /** The ids of the requests it holds: the planned ones not answered before, reserved in order. */
  readonly ids: readonly string[];
  /** Each request's reservation in the ledger, by request id. */
  readonly reservations: Readonly<Record<string, SpendReservation>>;
  /** Batches found since `intentAt` that turned out not to be ours. */
  readonly foreign: readonly string[];
  /**
   * Set by the unit before the one that creates the batch: the newest batch id listed then (`null`:
   * none). A batch that may be ours is one listed above it, so nothing older is ever adopted.
   */
  readonly newerThan?: string | null;
}

/**
 * A request's `custom_id` in a batch: the job's key and the request's id, so results of another
 * job's batch (even one with the same requests) never pass for this job's.
 */
export function batchCustomId(jobKey: string, requestId: string): string {
  return `b${jobKey.slice(0, 16)}_${requestId.replace(/^fr_/, "")}`;
}

/** A batch may take up to 24 hours; its reservations outlive it by an hour. */
export const BATCH_RESERVATION_TTL_MS = 25 * 3_600_000;

/**
 * Reserves each request's most possible cost at Batches prices, in order, until the budget refuses
 * one: the batch then holds the requests reserved before it. A refusal of the first throws.
 */
export async function reserveBatch(args: {
  readonly plans: readonly PlannedFactRequest[];
  readonly ledger: SpendLedger | undefined;
  readonly scope: SpendScope;
  readonly price: ModelPrice;
  readonly maxTokens: number;
  readonly counter: TokenCounter;
}): Promise<{ ids: string[]; reservations: Record<string, SpendReservation> }> {
  const reservations: Record<string, SpendReservation> = {};
  const ids: string[] = [];
  if (!args.ledger) return { ids: args.plans.map((p) => p.id), reservations };
  for (const plan of args.plans) {
    const input = requestInputTokens(args.counter, plan.text);
    try {
      reservations[plan.id] = await args.ledger.reserve(
        args.scope,
        {
          microUsd: maxRequestCostMicroUsd(input, args.maxTokens, args.price, true),
          tokens: input + args.maxTokens,
        },
        { ttlMs: BATCH_RESERVATION_TTL_MS },
      );
    } catch (error) {
      if (BudgetExceededError.isInstance(error) && ids.length > 0) break;
      // Nothing was sent: what this unit reserved goes back before the error is raised.
      await releaseReservations(args.ledger, Object.values(reservations));
      throw error;
    }
    ids.push(plan.id);
  }
  return { ids, reservations };
}

type BatchClient = Pick<Anthropic, "messages">;

/** Settles reservations of requests never sent at zero (best effort: one left open is charged when it expires). */
export async function releaseReservations(
  ledger: SpendLedger | undefined,
  reservations: readonly SpendReservation[],
): Promise<void> {
  if (!ledger) return;
  await Promise.all(reservations.map((r) => ledger.settle(r, { microUsd: 0, tokens: 0 }).catch(() => false)));
}

const total = (b: Anthropic.Messages.MessageBatch) =>
  Object.values(b.request_counts).reduce((n, v) => n + (typeof v === "number" ? v : 0), 0);

/** The newest batch id the API lists now, or `null`. */
export async function newestBatchId(client: BatchClient): Promise<string | null> {
  const page = await client.messages.batches.list({ limit: 1 });
  return page.data[0]?.id ?? null;
}

/**
 * The batch a try that crashed after creating it left behind, if any: one listed above
 * `state.newerThan` (so created since the unit before the create) with as many requests, not known
 * to be foreign. Its results are checked against this job's custom ids before they are used.
 */
export async function findOwnBatch(client: BatchClient, state: FactBatchState): Promise<string | null> {
  for await (const b of client.messages.batches.list({ limit: 100 })) {
    if (b.id === state.newerThan) break;
    if (total(b) === state.ids.length && !state.foreign.includes(b.id)) return b.id;
  }
  return null;
}

/** Creates the batch of these requests, each `custom_id` from `batchCustomId`. */
export async function createFactBatch(
  client: BatchClient,
  plans: readonly PlannedFactRequest[],
  body: { readonly model: string; readonly maxTokens: number; readonly jobKey: string },
): Promise<string> {
  const batch = await client.messages.batches.create(
    {
      requests: plans.map((p) => ({
        custom_id: batchCustomId(body.jobKey, p.id),
        params: factRequestBody(body, p.text),
      })),
    },
    { maxRetries: 0 },
  );
  return batch.id;
}

/** Every result of an ended batch by `custom_id` (they arrive in any order). */
export async function batchResults(
  client: BatchClient,
  id: string,
): Promise<Map<string, Anthropic.Messages.MessageBatchResult>> {
  const results = new Map<string, Anthropic.Messages.MessageBatchResult>();
  for await (const entry of await client.messages.batches.results(id))
    results.set(entry.custom_id, entry.result);
  return results;
}
