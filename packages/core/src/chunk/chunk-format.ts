import type { Message } from "../export/conversation.js";

/** How messages appear in chunk text. */
export interface ChunkFormat {
  /** Text put before each message's text, e.g. `"User: "`. Counts toward `maxTokens`. */
  label(role: Message["role"]): string;
  /** Text between two messages, e.g. `"\n\n"`. */
  readonly separator: string;
}

/** The default `format`: `User: ` / `Assistant: ` labels, messages separated by a blank line. */
export const DEFAULT_CHUNK_FORMAT: ChunkFormat = {
  label: (role) => (role === "user" ? "User: " : "Assistant: "),
  separator: "\n\n",
};
