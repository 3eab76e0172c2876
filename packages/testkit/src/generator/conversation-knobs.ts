import type { Prng } from "./create-prng.js";

/** Per-conversation generation settings, derived from `GenerateExportOptions`. */
export interface ConversationKnobs {
  readonly turns: (rng: Prng) => number;
  readonly messageChars: readonly [number, number];
  readonly branches: number;
  readonly hiddenNodes: boolean;
  readonly multimodal: number;
  readonly attachments: number;
  readonly nullTimestamps: number;
  readonly nullTitles: number;
  readonly nullCurrentNode: number;
  readonly nonAscii: boolean;
  readonly citations: number;
  readonly textHazards: number;
  readonly instructions: number;
  readonly legacy: boolean;
  /** Chance of an unknown Claude block type (`injected_prompt_block`). */
  readonly unknownBlocks: number;
  /** Forces `update_time` (used for shard duplicates). */
  readonly updateTime?: number | null;
}
