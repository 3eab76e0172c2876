/** A message as it is sent for extraction. */
export interface PackedMessage {
  readonly id: string;
  readonly role: "user" | "assistant";
  readonly at: Date | null;
  readonly text: string;
}

/** A conversation (or a consecutive part of one) as it is sent for extraction. */
export interface PackedConversation {
  readonly id: string;
  readonly title: string | null;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly messages: readonly PackedMessage[];
}

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, "&quot;");

function attrs(pairs: readonly (readonly [string, string | null | undefined])[]): string {
  let out = "";
  for (const [name, value] of pairs) if (value) out += ` ${name}="${escapeAttr(value)}"`;
  return out;
}

const iso = (d: Date | null) => (d && !Number.isNaN(d.getTime()) ? d.toISOString() : null);

/** One message element of the wire format (see the header of `packFactRequests`). */
export function renderPackedMessage(m: PackedMessage): string {
  return `<message${attrs([
    ["id", m.id],
    ["role", m.role],
    ["at", iso(m.at)],
  ])}>\n${escapeText(m.text)}\n</message>`;
}

/** The opening tag of a conversation element. */
export function renderConversationOpen(c: Omit<PackedConversation, "messages">): string {
  return `<conversation${attrs([
    ["id", c.id],
    ["title", c.title],
    ["created", iso(c.createdAt)],
    ["updated", iso(c.updatedAt)],
  ])}>`;
}

/** A conversation element with its messages. */
export function renderPackedConversation(c: PackedConversation): string {
  return [renderConversationOpen(c), ...c.messages.map(renderPackedMessage), "</conversation>"].join("\n");
}

/** The user turn of a request: its conversations, one element each. */
export function renderPacked(conversations: readonly PackedConversation[]): string {
  return conversations.map(renderPackedConversation).join("\n");
}
