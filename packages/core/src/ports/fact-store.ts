import type { Fact } from "../facts/fact.js";
import type { RecordStore } from "./record-store.js";

/**
 * The sink of extracted facts: a record store like the conversations' and chunks' (tenant-scoped,
 * idempotent upserts, membership per job). The facts stage merges a fact with what the store
 * already holds before it writes it, and marks a replaced fact `supersededBy` rather than deleting
 * it, so nothing here ever removes a fact but a purge.
 */
export type FactStore = RecordStore<Fact>;
