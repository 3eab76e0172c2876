import type { Message } from "../export/conversation.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import { contentHashOf } from "../util/hash.js";

const time = (d: Date | null) => (d === null ? null : d.getTime());

function pushMessages(parts: (string | number | null)[], messages: readonly Message[]): void {
  parts.push(messages.length);
  for (const m of messages) {
    parts.push(m.id, m.role, time(m.createdAt), m.attachments.length, ...m.attachments, m.text);
  }
}

/**
 * The fingerprint of what chunking and extraction see of a conversation (every field it is stored
 * with but `updatedAt`, which neither reads: a conversation whose only change is its update time is
 * unchanged) under `settings`, the options that change chunks or facts. Two conversations with the
 * same fingerprint chunk to the same chunks and send the same text.
 */
export function conversationFingerprint(conversation: StoredConversation, settings: string): string {
  const c = conversation;
  const parts: (string | number | null)[] = [
    settings,
    c.id,
    c.source,
    c.title,
    time(c.createdAt),
    c.model,
    c.instructions,
  ];
  pushMessages(parts, c.messages);
  const branches = c.branches ?? [];
  parts.push(c.branches === undefined ? null : branches.length);
  for (const b of branches) {
    parts.push(b.id, b.forkMessageId);
    pushMessages(parts, b.messages);
  }
  return contentHashOf(parts);
}
