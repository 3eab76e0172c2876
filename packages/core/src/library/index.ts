export { conversationFingerprint } from "./conversation-fingerprint.js";
export { type LibraryVersion, libraryTombstoneId, libraryVersionId } from "./library-version.js";
