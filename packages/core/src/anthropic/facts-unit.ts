import type { Fact } from "../facts/fact.js";
import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import type { UnitResult } from "../pipeline/pipeline.js";
import type { FactStore } from "../ports/fact-store.js";
import type { FactBatchState } from "./fact-batch.js";
import type { FactPosition } from "./fact-request-packer.js";
import { factsOfAnswer, mergeFact } from "./merge-facts.js";
import type { PlannedFactRequest } from "./plan-fact-requests.js";
import type { FactRequestIssue, FactRequestOutcome } from "./run-fact-request.js";

/** The facts stage's cursor: where extraction stands, and requests answered beyond it. */
export interface FactsCursor {
  /** `retire`: a re-import's stale sources go first (cursors saved before it existed start at `extract`). */
  readonly phase: "retire" | "extract" | "supersede";
  readonly position: FactPosition | null;
  /** Conversations fully covered at `position`. */
  readonly covered: number;
  /** Ids of requests answered after `position` (a later one finished while an earlier one failed). */
  readonly done: readonly string[];
  /** The Message Batch in flight (Batches mode), if any. */
  readonly batch?: FactBatchState | null;
}

/** What a unit of extraction produced, and the error to raise at the next unit, if any. */
export interface ExtractionUnitResult {
  readonly result: UnitResult<FactsCursor>;
  readonly issues: readonly FactRequestIssue[];
  readonly error: unknown;
}

/**
 * Folds the settled requests of one unit into its result: the facts of every answered request merged
 * with each other and with what the store holds, and a cursor past the longest answered prefix with
 * the later answered requests remembered (`done`), so none is paid for twice. The first failure is
 * handed back to be raised once the answered ones are written.
 */
export async function foldExtraction(args: {
  readonly cursor: FactsCursor;
  readonly plans: readonly PlannedFactRequest[];
  readonly settled: readonly PromiseSettledResult<FactRequestOutcome | null>[];
  readonly store: FactStore;
  readonly tenant: string;
  readonly fallbackAt: Date;
  readonly total: number | null;
}): Promise<ExtractionUnitResult> {
  const { cursor, plans, settled } = args;
  const merged = new Map<string, Fact>();
  const issues: FactRequestIssue[] = [];
  let position = cursor.position;
  let covered = cursor.covered;
  let prefix = true;
  let error: unknown = null;
  const done: string[] = [];
  let requests = 0;
  let cost = 0;
  let unsourced = 0;
  for (const [i, outcome] of settled.entries()) {
    const plan = plans[i]!;
    if (outcome.status === "rejected") {
      // A refused budget outranks a transient failure: it ends the stage rather than retrying it.
      if (error === null || BudgetExceededError.isInstance(outcome.reason)) error = outcome.reason;
      prefix = false;
      continue;
    }
    if (prefix) {
      position = plan.end;
      covered = plan.covered;
    } else done.push(plan.id);
    const value = outcome.value;
    if (!value) continue; // answered before a crash: already written
    requests += value.tries;
    cost += value.costMicroUsd;
    issues.push(...value.issues);
    const answer = factsOfAnswer(value.facts, plan.conversations, args.fallbackAt);
    unsourced += answer.unsourced;
    for (const f of answer.facts) {
      const before = merged.get(f.id);
      merged.set(f.id, before ? mergeFact(before, f) : f);
    }
  }
  const stored = merged.size > 0 ? await args.store.get(args.tenant, [...merged.keys()]) : [];
  for (const s of stored) merged.set(s.id, mergeFact(s, merged.get(s.id)!));
  // Requests answered earlier beyond this unit's plans (a Batches unit plans fewer) stay answered.
  const planned = new Set(plans.map((p) => p.id));
  for (const id of cursor.done) if (!planned.has(id)) done.push(id);
  const finished = error === null && plans.length === 0;
  return {
    result: {
      cursor: { phase: finished ? "supersede" : "extract", position, covered, done },
      done: false,
      facts: [...merged.values()],
      counts: {
        factRequests: requests,
        factIssues: issues.length + unsourced,
        factCostMicroUsd: cost,
      },
      progress: { done: covered, total: args.total, unit: "conversations" },
      ...(error === null ? {} : { flushProgress: true }),
    },
    issues,
    error,
  };
}
