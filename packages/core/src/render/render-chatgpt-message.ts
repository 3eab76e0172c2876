import { cleanText } from "./clean-text.js";
import { parseTimestamp } from "./parse-timestamp.js";
import type { RenderedMessage, RenderNote } from "./rendered-message.js";

type Obj = Record<string, unknown>;

const SHOWN_TYPES = new Set(["text", "multimodal_text", "code"]);
/** Content types that are known and never shown; anything else unknown is reported. */
const KNOWN_HIDDEN_TYPES = new Set([
  "thoughts",
  "reasoning_recap",
  "user_editable_context",
  "model_editable_context",
  "execution_output",
  "tether_browsing_display",
  "tether_quote",
  "system_error",
  "sonic_webpage",
  "computer_output",
  "super_widget",
  "app_pairing_content",
]);
const ROLE_ALIASES: Record<string, "user" | "assistant"> = {
  human: "user",
  ai: "assistant",
};
const KNOWN_HIDDEN_ROLES = new Set(["system", "tool", "function", "critic", "developer"]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * Renders one ChatGPT `message` object as the design's "What a reader sees" rules say: shown when
 * the role is `user` or `assistant`, `recipient` is absent or `all`, it is not visually hidden, and
 * its content type is `text`, `multimodal_text` or `code` (missing type with `parts` is text). Text is
 * the string parts plus the `text` of object parts joined by `\n`, else `content.text`; citation
 * markers are removed. Custom instructions come back in `instructions`. Never throws.
 */
export function renderChatgptMessage(message: unknown): RenderedMessage {
  const notes: RenderNote[] = [];
  if (!isObj(message)) return hidden(notes, null);
  const author = isObj(message.author) ? message.author : {};
  const rawRole = str(author.role) ?? "";
  const metadata = isObj(message.metadata) ? message.metadata : {};
  const content = isObj(message.content) ? message.content : {};
  const contentType = str(content.content_type);
  const created = parseTimestamp(message.create_time);
  if (created === undefined) notes.push({ code: "invalid-timestamp", detail: String(message.create_time) });
  const createdAt = created ?? null;
  const model = str(metadata.model_slug);

  if (contentType === "user_editable_context" || contentType === "model_editable_context") {
    const parts = [content.user_profile, content.user_instructions, content.model_set_context, content.text]
      .map((p) => str(p))
      .filter((p): p is string => p !== null && p.trim() !== "");
    const cleaned = cleanText(parts.join("\n\n"));
    pushRepairs(notes, cleaned);
    return { ...hidden(notes, createdAt), instructions: cleaned.text === "" ? null : cleaned.text };
  }

  let role: "user" | "assistant" | null = null;
  if (rawRole === "user" || rawRole === "assistant") role = rawRole;
  else if (ROLE_ALIASES[rawRole.toLowerCase()]) {
    role = ROLE_ALIASES[rawRole.toLowerCase()]!;
    notes.push({ code: "unknown-role", detail: `${rawRole} (read as ${role})` });
  } else if (!KNOWN_HIDDEN_ROLES.has(rawRole)) {
    notes.push({ code: "unknown-role", detail: rawRole === "" ? "(none)" : rawRole });
  }
  if (role === null) return hidden(notes, createdAt);

  const recipient = message.recipient;
  if (recipient !== undefined && recipient !== null && recipient !== "all") return hidden(notes, createdAt);
  if (metadata.is_visually_hidden_from_conversation === true) return hidden(notes, createdAt);
  if (metadata.is_user_system_message === true) return hidden(notes, createdAt);

  const parts = Array.isArray(content.parts) ? content.parts : null;
  const type = contentType ?? (parts !== null || typeof content.text === "string" ? "text" : null);
  if (type === null || !SHOWN_TYPES.has(type)) {
    if (type !== null && !KNOWN_HIDDEN_TYPES.has(type))
      notes.push({ code: "unknown-content-type", detail: type });
    return hidden(notes, createdAt);
  }

  const texts: string[] = [];
  let nonText = 0;
  if (parts !== null) {
    for (const part of parts) {
      if (typeof part === "string") {
        if (part !== "") texts.push(part);
      } else if (isObj(part)) {
        const t = str(part.text);
        if (t !== null && t !== "") texts.push(t);
        else nonText++;
      }
    }
  }
  if (texts.length === 0 && nonText === 0) {
    const t = str(content.text);
    if (t !== null && t !== "") texts.push(t);
  }
  const cleaned = cleanText(texts.join("\n"));
  pushRepairs(notes, cleaned);
  const attachments = attachmentNames(metadata.attachments);
  const visible = cleaned.text !== "" || nonText > 0 || attachments.length > 0;
  return { visible, role, text: cleaned.text, attachments, createdAt, instructions: null, model, notes };
}

function hidden(notes: RenderNote[], createdAt: Date | null): RenderedMessage {
  return {
    visible: false,
    role: null,
    text: "",
    attachments: [],
    createdAt,
    instructions: null,
    model: null,
    notes,
  };
}

function pushRepairs(notes: RenderNote[], cleaned: { loneSurrogates: boolean; nulRemoved: boolean }): void {
  if (cleaned.loneSurrogates) notes.push({ code: "lone-surrogate", detail: "replaced with U+FFFD" });
  if (cleaned.nulRemoved) notes.push({ code: "nul-removed", detail: "NUL characters removed" });
}

function attachmentNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const names: string[] = [];
  for (const a of value) {
    if (isObj(a)) {
      const name = str(a.name) ?? str(a.file_name);
      if (name !== null) names.push(name);
    }
  }
  return names;
}
