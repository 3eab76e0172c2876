import type { Cursor } from "./cursor.js";

/** Which product an export came from. */
export type ExportSource = "chatgpt" | "claude";

/** One visible node of a conversation, never merged with its neighbours. */
export interface Message {
  readonly id: string;
  readonly role: "user" | "assistant";
  /** The visible text; empty for an image-only message. */
  readonly text: string;
  readonly createdAt: Date | null;
  /** File names of attachments; their extracted text is not message text. */
  readonly attachments: string[];
}

/** A branch other than the active one (an edit or regeneration), holding the messages after its fork. */
export interface Branch {
  readonly id: string;
  /** The last message shared with the active path (or with the branch it forked from); `null` at the root. */
  readonly forkMessageId: string | null;
  readonly messages: Message[];
}

/** A conversation as a reader sees it: the active path, and with `branches: "all"` every other branch. */
export interface Conversation {
  readonly id: string;
  readonly source: ExportSource;
  readonly title: string | null;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly model: string | null;
  /** Custom instructions (ChatGPT's user and model editable context); never a message. */
  readonly instructions: string | null;
  readonly messages: Message[];
  readonly branches?: Branch[];
  /** Where this conversation ends in the export; resume with `start: cursor`. */
  readonly cursor: Cursor;
}
