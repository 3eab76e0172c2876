import type { Prng } from "./create-prng.js";
import type { FactPlanter } from "./fact-planter.js";
import type { GenerateExportOptions } from "./generate-export-options.js";

/** Per-conversation generation settings, derived from `GenerateExportOptions`. */
export interface ConversationKnobs {
  readonly turns: (rng: Prng) => number;
  readonly messageChars: readonly [number, number];
  /** Characters per assistant message (`messageChars` for the user's). */
  readonly assistantChars: readonly [number, number];
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
  /** Plants facts and pasted blocks in active-path user messages (options `facts`, `pastes`). */
  readonly planter?: FactPlanter;
}

/** The knobs the options ask for (their defaults where unset), with `extra` on top. */
export function conversationKnobs(
  options: GenerateExportOptions,
  turns: (rng: Prng) => number,
  extra: Partial<ConversationKnobs> = {},
): ConversationKnobs {
  return {
    turns,
    messageChars: options.messageChars ?? [20, 1500],
    // A conversation kind that sets its own message size (long, huge) sets both roles'.
    assistantChars: extra.messageChars ?? options.assistantChars ?? options.messageChars ?? [20, 1500],
    branches: options.branches ?? 0.05,
    hiddenNodes: options.hiddenNodes ?? true,
    multimodal: options.multimodal ?? 0.05,
    attachments: 0.03,
    nullTimestamps: options.nullTimestamps ?? 0.02,
    nullTitles: 0.02,
    nullCurrentNode: options.nullCurrentNode ?? 0.05,
    nonAscii: options.nonAscii ?? true,
    citations: 0.05,
    textHazards: options.textHazards ?? 0.01,
    instructions: 0.05,
    legacy: options.legacy ?? true,
    unknownBlocks: 0.02,
    ...extra,
  };
}
