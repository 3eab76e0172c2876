import type { Conversation } from "./conversation.js";
import type { Cursor } from "./cursor.js";

/**
 * What the import stage reads: a conversation with the hash of its bytes in the export (`null`
 * unless hashes were asked for), or one left unparsed because its hash was known (a re-import's
 * unchanged conversation), with the cursor just after it.
 */
export type ExportItem =
  | { readonly conversation: Conversation; readonly rawHash: string | null }
  | { readonly skipped: string; readonly cursor: Cursor };
