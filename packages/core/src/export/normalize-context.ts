import type { RenderNote } from "../render/rendered-message.js";
import type { Cursor } from "./cursor.js";
import type { ParseIssue, ParseIssueCode } from "./parse-issue.js";

/** What the per-conversation normalizers need from the reader. */
export interface NormalizeContext {
  readonly cursor: Cursor;
  readonly branches: boolean;
  /** Byte offset of the element's start in its entry. */
  readonly offset: number;
  readonly entry: string | null;
  report(issue: ParseIssue): void;
  /** Reports a value (an unknown role, type or field) once per export. */
  reportOnce(code: ParseIssueCode, key: string, message: string, conversationId?: string): void;
}

/** Turns render notes into issues: unknown values once per export, repairs once per conversation. */
export function reportNotes(
  ctx: NormalizeContext,
  notes: readonly RenderNote[],
  conversationId: string,
): void {
  const seen = new Set<string>();
  for (const note of notes) {
    if (note.code === "unknown-role" || note.code === "unknown-content-type") {
      ctx.reportOnce(
        note.code,
        note.detail,
        `${note.code.replace("unknown-", "unknown ")}: ${note.detail}`,
        conversationId,
      );
      continue;
    }
    if (seen.has(note.code)) continue;
    seen.add(note.code);
    ctx.report(issue(ctx, note.code, `${note.detail}`, conversationId));
  }
}

/** A `ParseIssue` located at the current element. */
export function issue(
  ctx: NormalizeContext,
  code: ParseIssueCode,
  message: string,
  conversationId?: string,
): ParseIssue {
  return {
    code,
    message,
    ...(conversationId === undefined ? {} : { conversationId }),
    offset: ctx.offset,
    ...(ctx.entry === null ? {} : { entry: ctx.entry }),
  };
}

/**
 * The checks both normalizers start with: reports (and returns `false` for) a conversation whose
 * `container` field is not the expected kind, and reports each field outside `known` once per export.
 */
export function checkConversation(
  ctx: NormalizeContext,
  raw: Readonly<Record<string, unknown>>,
  shape: {
    readonly format: "chatgpt" | "claude";
    readonly known: ReadonlySet<string>;
    readonly containerOk: boolean;
    readonly missing: string;
  },
  rawId: string | null,
): boolean {
  const conversationId = rawId ?? undefined;
  if (!shape.containerOk) {
    ctx.report(issue(ctx, "malformed-conversation", shape.missing, conversationId));
    return false;
  }
  for (const key of Object.keys(raw)) {
    if (!shape.known.has(key))
      ctx.reportOnce(
        "unknown-field",
        `${shape.format}:${key}`,
        `unknown conversation field \`${key}\` passed over`,
        conversationId,
      );
  }
  return true;
}
