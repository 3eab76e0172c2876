import type { Adapter, RecordStore } from "@threadmill/core";
import { type AdapterConformanceOptions, sampleChunk, sampleConversation } from "../conformance-context.js";

/** A conversation or a chunk, as far as the cases need to know. */
export type AnyRecord = { readonly id: string };

/** One of the two record stores the suite runs over, with the samples it writes there. */
export interface SinkKind {
  readonly port: "conversations" | "chunks";
  readonly sample: (id: string, variant?: number) => AnyRecord;
  /** The sample with a changed field, for replace semantics. */
  readonly changed: (record: AnyRecord) => AnyRecord;
}

/** What every record store case group gets: the suite's options, the store it runs over, and its fencing. */
export interface RecordStoreContext {
  readonly options: AdapterConformanceOptions;
  readonly kind: SinkKind;
  /** Whether the adapter declares `capabilities.fencedSinks`. */
  readonly fencedSinks: boolean;
}

/** The conversation store and the chunk store: the suite runs once over each. */
export const KINDS: readonly SinkKind[] = [
  {
    port: "conversations",
    sample: sampleConversation,
    changed: (r) => ({ ...r, title: "changed ✓", model: null }),
  },
  {
    port: "chunks",
    sample: sampleChunk,
    changed: (r) => ({ ...r, text: "changed ✓", tokens: 2, startAt: null }),
  },
];

/** The adapter's store for `port`, typed for records of either kind. */
export function storeOf(adapter: Adapter, port: SinkKind["port"]): RecordStore<AnyRecord> {
  return adapter[port] as unknown as RecordStore<AnyRecord>;
}

/** `n` record ids that sort in creation order: `r-000`, `r-001`, ... */
export const ids = (n: number, prefix = "r") =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
