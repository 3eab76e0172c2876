/** A repair or an unknown value found while rendering one message; the reader turns it into a `ParseIssue`. */
export interface RenderNote {
  readonly code:
    | "unknown-role"
    | "unknown-content-type"
    | "lone-surrogate"
    | "nul-removed"
    | "placeholder-removed"
    | "invalid-timestamp";
  readonly detail: string;
}

/** What a reader sees of one export message. */
export interface RenderedMessage {
  /** Whether the message is shown (the design's visibility rules). */
  readonly visible: boolean;
  readonly role: "user" | "assistant" | null;
  /** Visible text after cleaning; empty for an image-only message. */
  readonly text: string;
  /** Attachment file names. */
  readonly attachments: string[];
  readonly createdAt: Date | null;
  /** Custom instructions carried by this (hidden) message, for `Conversation.instructions`. */
  readonly instructions: string | null;
  /** The model that wrote it, when the export says. */
  readonly model: string | null;
  readonly notes: RenderNote[];
}
