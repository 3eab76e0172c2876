/**
 * A position in an export, just after one conversation: the ZIP entry or shard file (`null` for a
 * plain file), the byte offset in that entry's decoded stream after the conversation's element,
 * and the element's index in the entry's array. `readExport(input, { start: cursor })` yields exactly
 * the conversations after it.
 */
export interface Cursor {
  readonly entry: string | null;
  readonly offset: number;
  readonly index: number;
}
