import {
  type Chunk,
  contentHash,
  type Pipeline,
  type Source,
  type SourceResolver,
  type StoredConversation,
  type UnitContext,
} from "@threadmill/core";

/** What a synthetic unit is about to do; `onUnit` may throw (a failing unit) or block (a stuck one). */
export interface SyntheticUnitInfo {
  /** The job the unit belongs to. */
  readonly jobId: string;
  /** First item of the unit. */
  readonly item: number;
  /** Units started by this pipeline instance so far, from 0, retries included. */
  readonly started: number;
  readonly context: UnitContext;
}

/** Options of `createSyntheticPipeline`. */
export interface SyntheticPipelineOptions {
  /** Items (conversations) per job. @default 20 */
  readonly items?: number;
  /** Items per unit. @default 2 */
  readonly itemsPerUnit?: number;
  /** Chunks per item. @default 3 */
  readonly chunksPerItem?: number;
  /** CPU burnt per item (ms), in slices of `sliceMs` separated by `context.yield()`. @default 0 */
  readonly burnMs?: number;
  /** @default 50 */
  readonly sliceMs?: number;
  /** Called at the start of every unit. */
  readonly onUnit?: (info: SyntheticUnitInfo) => void | Promise<void>;
  /** A second stage after the items (`"summary"`, one unit), to exercise stage changes. @default false */
  readonly summaryStage?: boolean;
}

/** Burns CPU for `ms` milliseconds without yielding. */
export function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** The deterministic conversation of a synthetic item. */
export function syntheticConversation(tenant: string, item: number): StoredConversation {
  const at = new Date(Date.UTC(2024, 0, 1) + item * 60_000);
  return {
    id: `conv-${item}`,
    source: "chatgpt",
    title: `Synthetic ${item}`,
    createdAt: at,
    updatedAt: at,
    model: null,
    instructions: null,
    messages: [
      {
        id: `m-${item}-0`,
        role: "user",
        text: `question ${item} of ${tenant}`,
        createdAt: at,
        attachments: [],
      },
      { id: `m-${item}-1`, role: "assistant", text: `answer ${item}`, createdAt: at, attachments: [] },
    ],
  };
}

/** The deterministic chunks of a synthetic item (ids are content hashes, as the real chunker's). */
export function syntheticChunks(item: number, chunksPerItem: number): Chunk[] {
  return Array.from({ length: chunksPerItem }, (_, index) => {
    const text = `User: question ${item}\n\nAssistant: answer ${item} part ${index}`;
    return {
      id: contentHash(`conv-${item}`, null, index, text),
      conversationId: `conv-${item}`,
      branchId: null,
      index,
      text,
      tokens: 12,
      overlap: 0,
      messageIds: [`m-${item}-0`, `m-${item}-1`],
      startAt: null,
      endAt: null,
    };
  });
}

/** A source with no bytes, for pipelines that do not read one. */
export const emptySource: Source = {
  name: "synthetic",
  async open() {
    return { stream: new ReadableStream<Uint8Array>({ start: (c) => c.close() }), size: 0, offset: 0 };
  },
};

/** The resolver to register for `{ kind: "synthetic" }` inputs: `sources: { synthetic: syntheticSource }`. */
export const syntheticSource: SourceResolver = () => emptySource;

/**
 * A deterministic pipeline for fault-injection tests of any adapter: one stage of `items` items
 * (a conversation and `chunksPerItem` chunks each, content-hashed ids), optionally burning CPU in
 * yielding slices, with a hook to fail or block units. Its input is `{ kind: "synthetic" }`.
 * @example
 * const runner = createRunner({ store, pipelines: { synthetic: createSyntheticPipeline({ items: 10 }) }, sources: { synthetic: syntheticSource } });
 */
export function createSyntheticPipeline(options: SyntheticPipelineOptions = {}): Pipeline {
  const items = options.items ?? 20;
  const itemsPerUnit = options.itemsPerUnit ?? 2;
  const chunksPerItem = options.chunksPerItem ?? 3;
  const burnMs = options.burnMs ?? 0;
  const sliceMs = options.sliceMs ?? 50;
  let started = 0;
  const stages: Pipeline["stages"][number][] = [
    {
      name: "items",
      open: (_ctx, cursor: number | null) => {
        let next = cursor ?? 0;
        return {
          async next(context) {
            await options.onUnit?.({ jobId: context.job.id, item: next, started: started++, context });
            const end = Math.min(items, next + itemsPerUnit);
            const conversations: StoredConversation[] = [];
            const chunks: Chunk[] = [];
            for (let item = next; item < end; item++) {
              for (let burnt = 0; burnt < burnMs; burnt += sliceMs) {
                burnCpu(Math.min(sliceMs, burnMs - burnt));
                await context.yield();
              }
              conversations.push(syntheticConversation(context.job.tenant, item));
              chunks.push(...syntheticChunks(item, chunksPerItem));
              await context.yield();
            }
            const count = end - next;
            next = end;
            return {
              cursor: end,
              done: end >= items,
              counts: { conversations: count, messages: count * 2, chunks: count * chunksPerItem },
              progress: { done: end, total: items, unit: "conversations" },
              conversations,
              chunks,
            };
          },
        };
      },
    },
  ];
  if (options.summaryStage) {
    stages.push({
      name: "summary",
      open: () => ({
        async next() {
          return { cursor: true, done: true, counts: { summaries: 1 } };
        },
      }),
    });
  }
  return { stages };
}
