import { cleanText } from "./clean-text.js";
import { parseTimestamp } from "./parse-timestamp.js";
import type { RenderedMessage, RenderNote } from "./rendered-message.js";

type Obj = Record<string, unknown>;

/** Block types Claude exports are known to carry; their text is never shown (only `text` is). */
const KNOWN_BLOCKS = new Set([
  "text",
  "thinking",
  "redacted_thinking",
  "tool_use",
  "tool_result",
  "server_tool_use",
  "web_search_tool_result",
  "image",
  "document",
]);

// Claude's stand-ins for artifacts in the flat `text` field, sometimes fenced in ``` lines.
const PLACEHOLDERS =
  /(?:```\n)?(?:This block is not supported on your current device yet\.|Viewing artifacts created via the Analysis Tool web feature preview isn[’']t yet supported on mobile\.)(?:\n```)?/g;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * Renders one Claude.ai chat message as the design says: text is the `text` blocks of `content[]`
 * when there are any (never `thinking`, `tool_use`, `tool_result`, nor the flat `text`, which mixes
 * thinking into the answer), else the flat `text` with the "not supported" placeholders removed. A
 * message whose text is only whitespace and that has no attachment is not shown. Never throws.
 */
export function renderClaudeMessage(message: unknown): RenderedMessage {
  const notes: RenderNote[] = [];
  if (!isObj(message)) {
    return {
      visible: false,
      role: null,
      text: "",
      attachments: [],
      createdAt: null,
      instructions: null,
      model: null,
      notes,
    };
  }
  const created = parseTimestamp(message.created_at);
  if (created === undefined) notes.push({ code: "invalid-timestamp", detail: String(message.created_at) });
  const createdAt = created ?? null;
  const sender = str(message.sender) ?? "";
  let role: "user" | "assistant" | null = null;
  if (sender === "human" || sender === "user") role = "user";
  else if (sender === "assistant") role = "assistant";
  else notes.push({ code: "unknown-role", detail: sender === "" ? "(none)" : sender });

  let raw: string;
  const blocks = Array.isArray(message.content) ? message.content : [];
  const textBlocks: string[] = [];
  let sawTextBlock = false;
  for (const block of blocks) {
    if (!isObj(block)) continue;
    const type = str(block.type) ?? "";
    if (type === "text") {
      sawTextBlock = true;
      const t = str(block.text);
      if (t !== null) textBlocks.push(t);
    } else if (!KNOWN_BLOCKS.has(type)) {
      notes.push({ code: "unknown-content-type", detail: type === "" ? "(none)" : type });
    }
  }
  if (sawTextBlock || blocks.length > 0) {
    raw = textBlocks.join("");
  } else {
    raw = str(message.text) ?? "";
  }
  if (raw.includes("supported on")) {
    const stripped = raw.replace(PLACEHOLDERS, "");
    if (stripped !== raw) {
      notes.push({ code: "placeholder-removed", detail: "Claude 'not supported' placeholder removed" });
      raw = stripped;
    }
  }
  const cleaned = cleanText(raw);
  if (cleaned.loneSurrogates) notes.push({ code: "lone-surrogate", detail: "replaced with U+FFFD" });
  if (cleaned.nulRemoved) notes.push({ code: "nul-removed", detail: "NUL characters removed" });
  const attachments: string[] = [];
  for (const list of [message.attachments, message.files]) {
    if (!Array.isArray(list)) continue;
    for (const a of list) {
      const name = isObj(a) ? (str(a.file_name) ?? str(a.name)) : null;
      if (name !== null && !attachments.includes(name)) attachments.push(name);
    }
  }
  const visible = role !== null && (cleaned.text.trim() !== "" || attachments.length > 0);
  return {
    visible,
    role,
    text: cleaned.text,
    attachments,
    createdAt,
    instructions: null,
    model: null,
    notes,
  };
}
