import type { ParseIssueCode } from "@threadmill/core";

/** One visible message as `readExport` must yield it. */
export interface TruthMessage {
  readonly id: string;
  readonly role: "user" | "assistant";
  readonly text: string;
  /** Epoch ms, or `null` when the export has no time for it. */
  readonly createdAt: number | null;
  readonly attachments: string[];
}

/** A non-active branch as `readExport(..., { branches: "all" })` must yield it. */
export interface TruthBranch {
  readonly id: string;
  readonly forkMessageId: string | null;
  readonly messages: TruthMessage[];
}

/** One conversation as `readExport` must yield it. */
export interface TruthConversation {
  readonly id: string;
  readonly title: string | null;
  readonly messages: TruthMessage[];
  readonly branches: TruthBranch[];
  readonly instructions: string | null;
}

/** An issue `readExport` must report. */
export interface ExpectedIssue {
  readonly code: ParseIssueCode;
  readonly conversationId?: string;
}

/** A fact planted in a user message (option `facts`), with the ids `readExport` yields for it. */
export interface TruthPlantedFact {
  readonly subject: "user";
  readonly predicate: string;
  readonly object: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/** A block pasted at the end of a user message (option `pastes`): a fenced code block or a long log. */
export interface TruthPaste {
  readonly conversationId: string;
  readonly messageId: string;
  readonly kind: "code" | "log";
  /** Exactly as it appears in the message text. */
  readonly text: string;
}

/**
 * The ground truth of a generated export: what a correct reader yields (in order) and reports.
 * Complete once the export's bytes have been fully consumed.
 */
export interface ExportTruth {
  /** Yielded conversations in order (empty when `truth: "counts"`). */
  readonly conversations: TruthConversation[];
  /** Issues to expect (each code at least once per listed conversation; order not significant). */
  readonly issues: ExpectedIssue[];
  /** Facts planted in the conversations read back (empty unless `facts` is set), in export order. */
  readonly plantedFacts: TruthPlantedFact[];
  /** Blocks pasted into user messages of the conversations read back (empty unless `pastes` is set). */
  readonly pastes: TruthPaste[];
  conversationCount: number;
  messageCount: number;
  /** Uncompressed JSON bytes written. */
  jsonBytes: number;
  /** Bytes of the largest conversation element. */
  largestConversationBytes: number;
}

/** A truth with nothing recorded yet, which a generation run fills in. */
export function emptyExportTruth(): ExportTruth {
  return {
    conversations: [],
    issues: [],
    plantedFacts: [],
    pastes: [],
    conversationCount: 0,
    messageCount: 0,
    jsonBytes: 0,
    largestConversationBytes: 0,
  };
}
