/** A consecutive slice of a formatted conversation, at most `maxTokens` tokens long. */
export interface Chunk {
  /** Content hash of the conversation id, branch id, index and text: stable across re-runs. */
  readonly id: string;
  readonly conversationId: string;
  /** `null` for the active path; the branch's id for chunks of other branches. */
  readonly branchId: string | null;
  /** Position of the chunk within its conversation (or branch), from 0. */
  readonly index: number;
  readonly text: string;
  /** Exact token count of `text` with the chunker's tokenizer. */
  readonly tokens: number;
  /** Length, in UTF-16 code units, of the prefix of `text` repeated from the previous chunk. */
  readonly overlap: number;
  /** Ids of the messages whose text this chunk holds (overlap included), in order. */
  readonly messageIds: string[];
  readonly startAt: Date | null;
  readonly endAt: Date | null;
}
