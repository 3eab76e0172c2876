/** Which export shape to generate. `chatgpt-shards` streams a ZIP of `conversations-NNN.json` files. */
export type GeneratedExportFormat =
  | "chatgpt-json"
  | "chatgpt-zip"
  | "chatgpt-shards"
  | "claude-json"
  | "claude-zip";

/** Options of `generateExport`; every knob has a modest default so the common call is short. */
export interface GenerateExportOptions {
  readonly format: GeneratedExportFormat;
  /** Same seed, same bytes. */
  readonly seed: number;
  /** Approximate uncompressed JSON size; generation stops at the first conversation past it. @default 65536 */
  readonly targetBytes?: number;
  /** Exact number of (well-formed) conversations instead of `targetBytes`. */
  readonly conversations?: number;
  /** Turns per ordinary conversation, as [min, max]. @default [1, 40] */
  readonly turns?: readonly [number, number];
  /** Characters per message, as [min, max]. @default [20, 1500] */
  readonly messageChars?: readonly [number, number];
  /**
   * Characters per assistant message, as [min, max], when they should differ from the user's (in
   * real chats answers run about 3x longer than prompts). @default messageChars
   */
  readonly assistantChars?: readonly [number, number];
  /** Chance per turn of an edit (and half that of a regeneration) left as a branch. @default 0.05 */
  readonly branches?: number;
  /** System, tool-call, tool-output, thoughts and reasoning-recap nodes. @default true */
  readonly hiddenNodes?: boolean;
  /** Chance a user message is multimodal (image + text, image only, audio transcription). @default 0.05 */
  readonly multimodal?: number;
  /** Chance a message has a null timestamp. @default 0.02 */
  readonly nullTimestamps?: number;
  /** Chance a conversation has `current_node: null`. @default 0.05 */
  readonly nullCurrentNode?: number;
  /** Non-ASCII words (accents, CJK, RTL, emoji). @default true */
  readonly nonAscii?: boolean;
  /** Chance a message carries a lone surrogate or a NUL. @default 0.01 */
  readonly textHazards?: number;
  /** 2023-era ChatGPT shapes / legacy flat Claude exports in some conversations. @default true */
  readonly legacy?: boolean;
  /** Number of conversations with 1,000+ turns. @default 0 */
  readonly longConversations?: number;
  /** Adds one conversation of about this many bytes (0: none). @default 0 */
  readonly hugeConversationBytes?: number;
  /** Number of malformed elements (invalid JSON, not an object, no `mapping`) among the conversations. @default 0 */
  readonly malformed?: number;
  /** `chatgpt-shards`: number of shard files. @default 3 */
  readonly shards?: number;
  /** `chatgpt-shards`: conversations repeated in a later shard (half newer, half older). @default 2 */
  readonly duplicates?: number;
  /** Wrap the array as `{ "conversations": [...] }` (JSON formats). @default false */
  readonly wrapper?: boolean;
  /** Pretty-print with 2-space indentation. @default false */
  readonly pretty?: boolean;
  /** Start with a UTF-8 BOM. @default false */
  readonly bom?: boolean;
  /**
   * ZIP formats: add the side files a full export carries (`users.json`/`user.json`, Claude's
   * `projects.json`). `false` gives a ZIP holding only the conversations file(s), like the batch of
   * Claude's split export that holds `conversations.json`. @default true
   */
  readonly sideFiles?: boolean;
  /** Add a nested `attachments.zip` entry to ZIP formats (must be skipped). @default false */
  readonly nestedZip?: boolean;
  /** Keep every conversation's truth (`"full"`) or only counts. @default "full" up to 64 MB, else "counts" */
  readonly truth?: "full" | "counts";
  /**
   * Plants fact sentences (`I live in Lisbon.`, see `PLANTED_FACT_TEMPLATES`) in active-path user
   * messages: `perConversation` of them in each conversation (fewer when it has fewer turns, none in
   * an image-only message), recorded in `truth.plantedFacts`. They come from a PRNG of their own
   * (`seed`, default the export's), so the export's other draws are the same with or without them.
   * @default undefined (none)
   */
  readonly facts?: { readonly perConversation?: number; readonly seed?: number };
  /**
   * Chance an active-path user message ends with a pasted fenced code block or a long log (40-200
   * lines), recorded in `truth.pastes`. Drawn like `facts`, from the planting PRNG. @default 0
   */
  readonly pastes?: number;
  /** ZIP deflate level. @default 6, or 1 above 64 MB */
  readonly zipLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}
