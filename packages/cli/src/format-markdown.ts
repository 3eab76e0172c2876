import type { Chunk, Fact, Message, StoredConversation } from "@threadmill/core";

const iso = (date: Date | string | null | undefined): string | null =>
  date === null || date === undefined ? null : date instanceof Date ? date.toISOString() : String(date);

/** A fence longer than any backtick run in `text`, so the text shows verbatim. */
function fence(text: string): string {
  let longest = 2;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(longest + 1);
}

function messageMarkdown(message: Message): string {
  const who = message.role === "user" ? "User" : "Assistant";
  const when = iso(message.createdAt);
  const files =
    message.attachments.length > 0 ? ` \u00b7 attachments: ${message.attachments.join(", ")}` : "";
  return `**${who}**${when ? ` \u00b7 ${when}` : ""}${files}\n\n${message.text}\n`;
}

function heading(conversation: Pick<StoredConversation, "title" | "id">): string {
  const title = conversation.title?.replace(/\s+/g, " ").trim();
  return `## ${title ? title : "(untitled)"}`;
}

/**
 * One Markdown section for a conversation: a `##` heading with its title, its metadata, custom
 * instructions, the active path's messages, then each other branch under a `###` heading.
 */
export function formatConversationMarkdown(conversation: StoredConversation): string {
  const meta = [
    `- id: \`${conversation.id}\``,
    `- source: ${conversation.source}${conversation.model ? ` \u00b7 model: ${conversation.model}` : ""}`,
    ...(iso(conversation.createdAt) ? [`- created: ${iso(conversation.createdAt)}`] : []),
    ...(iso(conversation.updatedAt) ? [`- updated: ${iso(conversation.updatedAt)}`] : []),
  ];
  const parts = [heading(conversation), "", ...meta, ""];
  if (conversation.instructions) {
    parts.push("**Custom instructions**", "", conversation.instructions.replace(/^/gm, "> "), "");
  }
  for (const message of conversation.messages) parts.push(messageMarkdown(message));
  for (const branch of conversation.branches ?? []) {
    parts.push(
      `### Branch \`${branch.id}\`${branch.forkMessageId ? ` (after message \`${branch.forkMessageId}\`)` : ""}`,
      "",
    );
    for (const message of branch.messages) parts.push(messageMarkdown(message));
  }
  return `${parts.join("\n")}\n`;
}

/**
 * One Markdown section for a conversation's chunks: a `##` heading with the conversation's title
 * (or id), then each chunk in order under a `###` heading with its index, tokens and branch.
 */
export function formatChunksMarkdown(
  conversation: Pick<StoredConversation, "title" | "id"> | null,
  conversationId: string,
  chunks: readonly Chunk[],
): string {
  const parts = [
    heading(conversation ?? { id: conversationId, title: null }),
    "",
    `- id: \`${conversationId}\``,
    "",
  ];
  const sorted = [...chunks].sort(
    (a, b) => (a.branchId ?? "").localeCompare(b.branchId ?? "") || a.index - b.index,
  );
  for (const chunk of sorted) {
    const branch = chunk.branchId === null ? "" : ` \u00b7 branch \`${chunk.branchId}\``;
    const f = fence(chunk.text);
    parts.push(
      `### Chunk ${chunk.index} \u00b7 ${chunk.tokens} tokens${branch} \u00b7 \`${chunk.id}\``,
      "",
      f,
      chunk.text,
      f,
      "",
    );
  }
  return `${parts.join("\n")}\n`;
}

/** One fact as a Markdown list item: subject, predicate, object, confidence, where it was said, and what replaced it. */
export function formatFactMarkdown(fact: Fact): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const seen =
    day(fact.firstSeen) === day(fact.lastSeen)
      ? day(fact.firstSeen)
      : `${day(fact.firstSeen)} to ${day(fact.lastSeen)}`;
  const replaced = fact.supersededBy ? ` (superseded by \`${fact.supersededBy}\`)` : "";
  const sources = fact.sources.length === 1 ? "1 message" : `${fact.sources.length} messages`;
  return `- **${fact.subject}** ${fact.predicate.replace(/_/g, " ")} **${fact.object}** \u00b7 ${fact.confidence} \u00b7 ${seen} \u00b7 ${sources}${replaced} \u00b7 \`${fact.id}\`\n`;
}
