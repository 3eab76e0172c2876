import type { Conversation } from "../export/conversation.js";
import type { RecordStore } from "./record-store.js";

/** A conversation as stored: everything but its cursor, which belongs to the export it came from. */
export type StoredConversation = Omit<Conversation, "cursor">;

/** The sink of parsed conversations. */
export type ConversationStore = RecordStore<StoredConversation>;
