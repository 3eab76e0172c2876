import type { LibraryVersion } from "../library/library-version.js";
import type { RecordStore } from "./record-store.js";

/**
 * The versions of a tenant's conversations: a record store like the chunks'. The library's
 * membership (`list(tenant, { library: true })`) holds each conversation's current version; a
 * re-import compares the export with it and swaps it per conversation.
 */
export type LibraryStore = RecordStore<LibraryVersion>;
