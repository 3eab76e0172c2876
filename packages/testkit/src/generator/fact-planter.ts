import { PLANTED_FACT_TEMPLATES } from "../planted-facts/planted-facts.js";
import { createPrng, type Prng } from "./create-prng.js";
import type { TruthPaste, TruthPlantedFact } from "./export-truth.js";
import { type PastedBlock, pastedBlock } from "./pasted-block.js";

/** What one conversation got planted: the facts and pasted blocks, with their message ids. */
export interface PlantedInConversation {
  readonly facts: TruthPlantedFact[];
  readonly pastes: TruthPaste[];
}

/**
 * Plants fact sentences and pasted blocks in the active-path user messages of each conversation.
 * It draws from its own PRNG, never the export's, so an export with planting off is the same bytes
 * as before planting existed, and with it on the same conversations carry extra text.
 */
export class FactPlanter {
  private readonly rng: Prng;
  private conversationId = "";
  private chosen = new Set<number>();
  private pendingFacts: { predicate: string; object: string }[] = [];
  private pendingPaste: PastedBlock | null = null;
  private planted: PlantedInConversation = { facts: [], pastes: [] };

  constructor(
    private readonly perConversation: number,
    private readonly pasteChance: number,
    seed: number,
  ) {
    this.rng = createPrng((seed ^ 0x5eedfac7) >>> 0);
  }

  /** Starts a conversation of `turns` turns and draws which turns' user messages get a fact. */
  begin(conversationId: string, turns: number): void {
    this.conversationId = conversationId;
    this.planted = { facts: [], pastes: [] };
    const order = Array.from({ length: turns }, (_, i) => i);
    const count = Math.min(this.perConversation, turns);
    for (let i = 0; i < count; i++) {
      const j = this.rng.int(i, turns - 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.chosen = new Set(order.slice(0, count));
  }

  /**
   * The text of turn `turn`'s active user message, with a fact sentence before or after it and a
   * pasted block after it as drawn. Called only for messages that have text (not image-only ones).
   */
  decorate(turn: number, text: string): string {
    let out = text;
    if (this.chosen.has(turn)) {
      const template = this.rng.pick(PLANTED_FACT_TEMPLATES);
      const object = this.rng.pick(template.objects);
      const sentence = template.sentence(object);
      out = this.rng.chance(0.5) ? `${sentence} ${out}` : `${out}. ${sentence}`;
      this.pendingFacts.push({ predicate: template.predicate, object });
    }
    if (this.pasteChance > 0 && this.rng.chance(this.pasteChance)) {
      this.pendingPaste = pastedBlock(this.rng);
      out = `${out}\n\n${this.pendingPaste.text}`;
    }
    return out;
  }

  /** Records what the last `decorate` planted under the message id it was given. */
  settle(messageId: string): void {
    const conversationId = this.conversationId;
    for (const f of this.pendingFacts) {
      this.planted.facts.push({ subject: "user", ...f, conversationId, messageId });
    }
    if (this.pendingPaste) this.planted.pastes.push({ conversationId, messageId, ...this.pendingPaste });
    this.pendingFacts = [];
    this.pendingPaste = null;
  }

  /** What the current conversation got. */
  finish(): PlantedInConversation {
    return this.planted;
  }
}
