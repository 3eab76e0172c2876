import type { Adapter, RecordStore } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  sampleChunk,
  sampleConversation,
  sampleFact,
  sampleLibraryVersion,
} from "../conformance-context.js";

/** A conversation, a chunk, a fact or a library version, as far as the cases need to know. */
export type AnyRecord = { readonly id: string };

/** One of the record stores the suite runs over, with the samples it writes there. */
export interface SinkKind {
  readonly port: "conversations" | "chunks" | "facts" | "library";
  /** The port's name in case titles, for example `"ChunkStore"`. */
  readonly title: string;
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

/**
 * The conversation, chunk, fact and library stores: the suite runs once over each (over `facts` and
 * `library` only when the adapter has one, or must; see `requireFacts` and `requireLibrary`).
 */
export const KINDS: readonly SinkKind[] = [
  {
    port: "conversations",
    title: "ConversationStore",
    sample: sampleConversation,
    changed: (r) => ({ ...r, title: "changed ✓", model: null }),
  },
  {
    port: "chunks",
    title: "ChunkStore",
    sample: sampleChunk,
    changed: (r) => ({ ...r, text: "changed ✓", tokens: 2, startAt: null }),
  },
  {
    port: "facts",
    title: "FactStore",
    sample: sampleFact,
    changed: (r) => ({
      ...r,
      confidence: 0.5,
      supersededBy: "f_changed ✓",
      lastSeen: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 1)),
    }),
  },
  {
    port: "library",
    title: "LibraryStore",
    sample: sampleLibraryVersion,
    changed: (r) => ({ ...r, fingerprint: "fp changed ✓", chunkIds: [], rawHash: null }),
  },
];

/** The adapter's store for `port`, typed for records of any kind. Throws when the adapter lacks it. */
export function storeOf(adapter: Adapter, port: SinkKind["port"]): RecordStore<AnyRecord> {
  const store = adapter[port];
  if (!store) {
    throw new Error(
      `conformance: adapter "${adapter.name}" has no ${port} store; threadmill's own adapters must set adapter.${port}`,
    );
  }
  return store as unknown as RecordStore<AnyRecord>;
}

/** `n` record ids that sort in creation order: `r-000`, `r-001`, ... */
export const ids = (n: number, prefix = "r") =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
