/**
 * Every repair or fallback a reader can report; nothing is dropped or changed silently.
 * - `malformed-conversation`: an element that is not JSON, not an object, or lacks `mapping` /
 *   `chat_messages` in usable form; skipped.
 * - `truncated-input`: the input ends inside an element (or before its closing `]`); the complete
 *   conversations before it were kept.
 * - `missing-id`: a conversation without an id got a derived one (hash of source, time, first message).
 * - `duplicate-conversation`: a shard copy of a conversation lost to a newer copy and was skipped;
 *   or, reported by the import stage when the store has a library, a later copy of a conversation
 *   in the same export lost to the first one and was skipped.
 * - `dangling-current-node` / `null-current-node`: the active branch ends at the newest leaf instead.
 * - `dangling-parent` / `dangling-child`: a link names a node that does not exist; ignored.
 * - `link-conflict`: a node is listed as the child of a node other than its parent; the parent wins.
 * - `cycle`: parent links formed a cycle; broken. `multiple-roots`: several roots (orphans).
 * - `no-links`: no parent or children links at all; nodes ordered by creation time.
 * - `unknown-role` / `unknown-content-type` / `unknown-field`: reported once per export; aliases
 *   (`human`, `AI`) are read as user / assistant, anything else unknown is not shown.
 * - `invalid-utf8` (bytes replaced with U+FFFD), `lone-surrogate` (U+FFFD), `nul-removed`.
 * - `null-message`: `null` entries inside Claude's `chat_messages` skipped.
 * - `placeholder-removed`: Claude's "not supported" placeholder removed from the flat `text`.
 * - `invalid-timestamp`: an unreadable timestamp read as `null`.
 * - `skipped-entry`: an archive entry not followed (a nested ZIP, a symlink, an encrypted entry).
 * - `unsafe-entry-name`: an archive entry whose name would leave its folder (`../x`, `/abs`, `C:\x`);
 *   never opened, one issue per entry.
 * - `trailing-data`: something other than whitespace follows the export's top-level value; ignored,
 *   every conversation before it kept.
 * - `nesting-too-deep`: values nested deeper than 256 arrays/objects inside a conversation were
 *   dropped (they cannot be serialised); the conversation is kept.
 */
export type ParseIssueCode =
  | "malformed-conversation"
  | "truncated-input"
  | "missing-id"
  | "duplicate-conversation"
  | "dangling-current-node"
  | "null-current-node"
  | "dangling-parent"
  | "dangling-child"
  | "link-conflict"
  | "cycle"
  | "multiple-roots"
  | "no-links"
  | "unknown-role"
  | "unknown-content-type"
  | "unknown-field"
  | "invalid-utf8"
  | "lone-surrogate"
  | "nul-removed"
  | "null-message"
  | "placeholder-removed"
  | "invalid-timestamp"
  | "skipped-entry"
  | "unsafe-entry-name"
  | "trailing-data"
  | "nesting-too-deep";

/** A problem found in one part of an export; reported through `onIssue`, never thrown. */
export interface ParseIssue {
  readonly code: ParseIssueCode;
  readonly message: string;
  readonly conversationId?: string;
  /** Byte offset in the decoded entry where the problem starts, when known. */
  readonly offset?: number;
  /** ZIP entry or shard file, when the export has several. */
  readonly entry?: string;
}
