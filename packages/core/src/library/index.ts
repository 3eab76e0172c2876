export { conversationFingerprint } from "./conversation-fingerprint.js";
export { type LibraryVersion, libraryTombstoneId, libraryVersionId } from "./library-version.js";
export type { LibraryWrites } from "./library-writes.js";
