import type { ConversationStore, StoredConversation } from "../ports/conversation-store.js";
import type { FactPosition, FactRequestPacker, FactRequestPlan } from "./fact-request-packer.js";

/** A planned request and how many of the job's conversations are fully covered once it is answered. */
export interface PlannedFactRequest extends FactRequestPlan {
  readonly covered: number;
}

/** Options of `planFactRequests`. */
export interface PlanFactRequestsOptions {
  readonly conversations: ConversationStore;
  readonly tenant: string;
  readonly jobId: string;
  /** Where the stage stands (`null`: at the start), and how many conversations it has covered. */
  readonly from: FactPosition | null;
  readonly covered: number;
  /** Stop reading once this many requests are planned. */
  readonly count: number;
  /** A fresh packer: requests are rebuilt from `from` each time, the same way every time. */
  readonly packer: FactRequestPacker;
  /** Conversations read per page. @default 100 */
  readonly pageSize?: number;
  /** Only these of the job's conversations (a re-import's new and changed ones); `null`: all. */
  readonly only?: ReadonlySet<string> | null;
}

/**
 * Plans the next requests from `from`, reading the job's conversations back from the store in id
 * order: at least `count` requests while conversations remain, all the rest (the last one partly
 * filled) once they are read out. Greedy packing from the same position gives the same requests
 * (same ids) on every run, so a request answered before a crash is recognised after it.
 */
export async function planFactRequests(options: PlanFactRequestsOptions): Promise<PlannedFactRequest[]> {
  const { conversations, tenant, jobId, from, packer } = options;
  const index = new Map<string, number>();
  let read = 0;
  const plans: PlannedFactRequest[] = [];
  const coveredAt = (end: FactPosition) => {
    const i = index.get(end.conversationId) ?? 0;
    return options.covered + i + (end.messagesDone === null ? 1 : 0);
  };
  const add = (c: StoredConversation, start = 0) => {
    index.set(c.id, read++);
    for (const plan of packer.add(c, start)) plans.push({ ...plan, covered: coveredAt(plan.end) });
  };

  let after: string | undefined;
  if (from) {
    after = from.conversationId;
    if (from.messagesDone !== null) {
      const [resumed] = await conversations.get(tenant, [from.conversationId]);
      // The conversation resumed inside is not covered yet: it is counted when a request ends it.
      if (resumed) add(resumed, from.messagesDone);
    }
  }
  const limit = options.pageSize ?? 100;
  if (plans.length >= options.count) return plans;
  for (;;) {
    const page = await conversations.list(tenant, {
      jobId,
      limit,
      ...(after === undefined ? {} : { after }),
    });
    for (const c of page) {
      if (options.only && !options.only.has(c.id)) continue;
      add(c);
      if (plans.length >= options.count) return plans;
    }
    if (page.length < limit) break;
    after = page[page.length - 1]!.id;
  }
  const last = packer.flush();
  if (last) plans.push({ ...last, covered: coveredAt(last.end) });
  return plans;
}
