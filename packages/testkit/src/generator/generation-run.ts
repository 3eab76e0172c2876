import { type BuiltConversation, buildChatgptConversation } from "./build-chatgpt-conversation.js";
import { buildClaudeConversation } from "./build-claude-conversation.js";
import { type ConversationKnobs, conversationKnobs } from "./conversation-knobs.js";
import { createPrng, type Prng } from "./create-prng.js";
import type { ExportTruth } from "./export-truth.js";
import { FactPlanter } from "./fact-planter.js";
import type { GenerateExportOptions } from "./generate-export-options.js";
import { malformedElement } from "./malformed-element.js";

/** Knobs every shard duplicate and its source share, so the two copies differ only in `update_time`. */
const DUPLICABLE = { nullCurrentNode: 0, textHazards: 0, legacy: false, unknownBlocks: 0 } as const;

/**
 * One run over an export's elements: the seeded draws, what is still to place (long, huge,
 * malformed, duplicated conversations) and how far the run has come. Each element method makes the
 * element's JSON text and records its truth.
 */
export class GenerationRun {
  readonly rng: Prng;
  readonly claude: boolean;
  /** Approximate uncompressed JSON bytes wanted in all. */
  readonly target: number;
  /** Exact number of well-formed conversations wanted, if given. */
  readonly exact: number | undefined;
  /** Conversations per shard when `exact` is given. */
  readonly perShard: number;
  readonly shardTarget: number;
  longLeft: number;
  malformedLeft: number;
  /** Bytes of the huge conversation still to place (0: none). */
  hugeLeft: number;
  /** Well-formed conversations made (duplicates not counted). */
  made = 0;
  /** JSON text bytes of every element so far. */
  bytes = 0;
  private readonly fullTruth: boolean;
  private readonly plant: { planter?: FactPlanter };
  private readonly ordinary: ConversationKnobs;
  private readonly long: ConversationKnobs;
  private readonly duplicatesWanted: number;
  private readonly dupSources: { id: string; index: number; shard: number; update: number }[] = [];
  private dupMade = 0;

  constructor(
    private readonly options: GenerateExportOptions,
    private readonly truth: ExportTruth,
    private readonly fileCount: number,
  ) {
    this.rng = createPrng(options.seed);
    this.claude = options.format.startsWith("claude");
    this.fullTruth = (options.truth ?? ((options.targetBytes ?? 0) > 64e6 ? "counts" : "full")) === "full";
    this.target = options.targetBytes ?? 65536;
    const [minTurns, maxTurns] = options.turns ?? [1, 40];
    // Without planting the knobs carry no planter at all, so the export is what it always was.
    const planting = options.facts !== undefined || (options.pastes ?? 0) > 0;
    this.plant = planting
      ? {
          planter: new FactPlanter(
            options.facts ? (options.facts.perConversation ?? 1) : 0,
            options.pastes ?? 0,
            options.facts?.seed ?? options.seed,
          ),
        }
      : {};
    this.ordinary = conversationKnobs(
      options,
      (r) =>
        r.chance(0.7)
          ? r.int(minTurns, Math.max(minTurns, Math.ceil(maxTurns / 3)))
          : r.int(minTurns, maxTurns),
      this.plant,
    );
    this.long = conversationKnobs(options, (r) => r.int(1000, 1200), {
      messageChars: [20, 300],
      ...this.plant,
    });
    this.longLeft = options.longConversations ?? 0;
    this.malformedLeft = options.malformed ?? 0;
    this.hugeLeft = options.hugeConversationBytes ?? 0;
    this.exact = options.conversations;
    this.duplicatesWanted = options.format === "chatgpt-shards" ? (options.duplicates ?? 2) : 0;
    this.perShard = this.exact !== undefined ? Math.ceil(this.exact / fileCount) : Infinity;
    this.shardTarget = this.target / fileCount;
  }

  /** Whether a long, huge or malformed conversation is still to place. */
  get extrasLeft(): boolean {
    return this.longLeft !== 0 || this.hugeLeft !== 0 || this.malformedLeft !== 0;
  }

  /** A malformed element. */
  malformed(): string {
    this.malformedLeft--;
    const json = malformedElement(this.rng, this.made * 1000 + this.malformedLeft, this.claude);
    this.truth.issues.push({ code: "malformed-conversation" });
    return json;
  }

  /** Whether the next element of `shard` repeats a conversation of an earlier shard (draws only when one can). */
  duplicateDue(shard: number): boolean {
    return (
      this.duplicatesWanted > this.dupMade &&
      shard > 0 &&
      this.dupSources.some((d) => d.shard < shard) &&
      this.rng.chance(0.3)
    );
  }

  /** A copy of an earlier shard's conversation, alternately newer (it replaces the earlier one) and older. */
  duplicate(): string {
    const src = this.dupSources.shift()!;
    const newer = this.dupMade % 2 === 0;
    this.dupMade++;
    const copy = this.build(src.id, src.index, {
      ...this.ordinary,
      ...DUPLICABLE,
      updateTime: newer ? src.update + 10 : src.update - 10,
    });
    const json = this.stringify(copy.value);
    this.truth.issues.push({ code: "duplicate-conversation", conversationId: src.id });
    if (newer) {
      // The later, newer copy replaces the earlier one in the reader's output.
      const at = this.truth.conversations.findIndex((c) => c.id === src.id);
      const old = at >= 0 ? this.truth.conversations.splice(at, 1)[0]! : null;
      this.truth.conversationCount--;
      this.truth.messageCount -= old ? old.messages.length : 0;
      dropConversation(this.truth.plantedFacts, src.id);
      dropConversation(this.truth.pastes, src.id);
      this.record(copy, json);
    }
    return json;
  }

  /**
   * The next well-formed conversation of `shard`: ordinary, or the huge or a long one (at once when
   * the file is `done`), kept as a duplicate source while duplicates are wanted.
   */
  conversation(shard: number, done: boolean): string {
    const { options, rng } = this;
    const id = `${this.claude ? "claude" : "chatgpt"}-${options.seed}-${this.made}`;
    let knobs = this.ordinary;
    if (this.hugeLeft > 0 && (done || rng.chance(0.1))) {
      const chars = Math.max(1000, Math.round(this.hugeLeft / 400));
      knobs = conversationKnobs(options, () => 200, {
        messageChars: [chars, chars],
        branches: 0,
        ...this.plant,
      });
      this.hugeLeft = 0;
    } else if (this.longLeft > 0 && (done || rng.chance(0.1))) {
      knobs = this.long;
      this.longLeft--;
    }
    if (this.duplicatesWanted > this.dupSources.length + this.dupMade && shard < this.fileCount - 1) {
      const update = 1_700_000_000 + this.made;
      knobs = { ...knobs, ...DUPLICABLE, updateTime: update };
      this.dupSources.push({ id, index: this.made, shard, update });
    }
    const built = this.build(id, this.made, knobs);
    this.made++;
    const json = this.stringify(built.value);
    this.record(built, json);
    return json;
  }

  private build(id: string, index: number, knobs: ConversationKnobs): BuiltConversation {
    return this.claude
      ? buildClaudeConversation(this.rng, id, index, knobs)
      : buildChatgptConversation(this.rng, id, index, knobs);
  }

  private record(built: BuiltConversation, json: string): void {
    const { truth } = this;
    truth.conversationCount++;
    truth.messageCount += built.truth.messages.length;
    truth.largestConversationBytes = Math.max(truth.largestConversationBytes, json.length);
    if (this.fullTruth) truth.conversations.push(built.truth);
    truth.issues.push(...built.issues);
    if (built.planted) {
      truth.plantedFacts.push(...built.planted.facts);
      truth.pastes.push(...built.planted.pastes);
    }
  }

  private stringify(value: unknown): string {
    return this.options.pretty
      ? JSON.stringify(value, null, 2).replace(/\n/g, "\n  ")
      : JSON.stringify(value);
  }
}

/** Removes, in place, the entries of one conversation (a shard duplicate replaced it). */
function dropConversation(list: { conversationId: string }[], conversationId: string): void {
  let kept = 0;
  for (const item of list) if (item.conversationId !== conversationId) list[kept++] = item;
  list.length = kept;
}
