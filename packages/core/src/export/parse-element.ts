import { ExportFormatError } from "../errors/export-format-error.js";
import type { Source } from "../ports/source.js";
import type { Conversation } from "./conversation.js";
import type { Cursor } from "./cursor.js";
import { dropDeepValues, MAX_NESTING } from "./drop-deep-values.js";
import { decodeElement } from "./element-bytes.js";
import type { ScannedElement } from "./element-scanner.js";
import { normalizeChatgpt } from "./normalize-chatgpt.js";
import { normalizeClaude } from "./normalize-claude.js";
import type { NormalizeContext } from "./normalize-context.js";
import type { ParseIssue, ParseIssueCode } from "./parse-issue.js";

/** Where the elements of one entry come from, and where their issues go. */
export interface ElementContext {
  /** The input's name, for the error when a bare top-level object is not JSON. */
  readonly sourceName: string;
  readonly entry: string | null;
  readonly branches: boolean;
  readonly report: (issue: ParseIssue) => void;
  /** Keys of the issues reported once per export. */
  readonly reported: Set<string>;
}

/**
 * Parses and normalizes one scanned element. Returns `null` for an element skipped with an issue,
 * and `"unrecognized"` for one that is not a conversation at all (the reader counts those to tell an
 * unknown format from a few bad elements). `bare`: the element is the whole input (one object).
 */
export function parseElement(
  element: ScannedElement,
  cursor: Cursor,
  where: ElementContext,
  bare: boolean,
): Conversation | null | "unrecognized" {
  const { entry: entryName, branches: withBranches, report: reportIssue, reported: once } = where;
  const at = { offset: element.start, ...(entryName === null ? {} : { entry: entryName }) };
  const decoded = decodeElement(element);
  const text = decoded.text;
  const badUtf8 = !decoded.valid;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (bare)
      throw new ExportFormatError(
        `${entryName ?? where.sourceName} is not valid JSON (${(error as Error).message})`,
        { reason: "not-json", cause: error },
      );
    reportIssue({
      code: "malformed-conversation",
      message: `element ${element.index} is not valid JSON (${(error as Error).message}); skipped`,
      ...at,
    });
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    reportIssue({
      code: "malformed-conversation",
      message: `element ${element.index} is ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}, not a conversation; skipped`,
      ...at,
    });
    return "unrecognized";
  }
  const raw = value as Record<string, unknown>;
  const isChatgpt = "mapping" in raw;
  const isClaude = !isChatgpt && "chat_messages" in raw;
  if (!isChatgpt && !isClaude) {
    reportIssue({
      code: "malformed-conversation",
      message: `element ${element.index} has neither \`mapping\` (ChatGPT) nor \`chat_messages\` (Claude); skipped`,
      ...at,
    });
    return "unrecognized";
  }
  // Cut before normalizing: what nests this deep would overflow the stack of anything that recurses.
  const dropped = element.depth > MAX_NESTING ? dropDeepValues(raw) : null;
  const ctx: NormalizeContext = {
    cursor,
    branches: withBranches,
    offset: element.start,
    entry: entryName,
    report: reportIssue,
    reportOnce(code: ParseIssueCode, key: string, message: string, conversationId?: string) {
      const k = `${code}:${key}`;
      if (once.has(k)) return;
      once.add(k);
      reportIssue({ code, message, ...(conversationId === undefined ? {} : { conversationId }), ...at });
    },
  };
  const conversation = isChatgpt ? normalizeChatgpt(raw, ctx) : normalizeClaude(raw, ctx);
  if (dropped) {
    reportIssue({
      code: "nesting-too-deep",
      message: `${dropped.count} value(s) nested deeper than ${MAX_NESTING} levels dropped (the first at ${dropped.path}); they cannot be serialised`,
      ...(conversation ? { conversationId: conversation.id } : {}),
      ...at,
    });
  }
  if (badUtf8) {
    reportIssue({
      code: "invalid-utf8",
      message: "invalid UTF-8 bytes replaced with U+FFFD",
      ...(conversation ? { conversationId: conversation.id } : {}),
      ...at,
    });
  }
  return conversation;
}

/** The error for an input whose JSON holds no ChatGPT or Claude conversation. */
export function unknownFormat(source: Source, entry: string | null): ExportFormatError {
  return new ExportFormatError(
    `${entry ?? source.name} holds JSON but no ChatGPT (\`mapping\`) or Claude.ai (\`chat_messages\`) conversations; pass the export's conversations.json, its ZIP or its folder`,
    { reason: "unknown-format", ...(entry === null ? {} : { entry }) },
  );
}
