/** Every repair or fallback a reader can report; nothing is dropped or changed silently. */
export type ParseIssueCode =
  | "malformed-conversation"
  | "truncated-input"
  | "missing-id"
  | "duplicate-conversation"
  | "dangling-current-node"
  | "null-current-node"
  | "dangling-parent"
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
  | "skipped-entry";

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
