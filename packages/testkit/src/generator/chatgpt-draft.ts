import type { ConversationKnobs } from "./conversation-knobs.js";
import type { Prng } from "./create-prng.js";
import type { TruthBranch, TruthMessage } from "./export-truth.js";

type Json = Record<string, unknown>;

/**
 * A ChatGPT conversation being built: its `mapping` tree, the clock its times come from, the truth
 * gathered so far and where the next node hangs. Every random draw goes through `rng` in build order.
 */
export class ChatgptDraft {
  readonly mapping: Record<string, Json> = {};
  readonly messages: TruthMessage[] = [];
  readonly branches: TruthBranch[] = [];
  /** Issue codes raised by text hazards, once each. */
  readonly flags = new Set<string>();
  /** Whether this conversation uses 2023-era shapes. */
  readonly legacy: boolean;
  readonly nullCurrent: boolean;
  readonly created: number;
  /** Epoch seconds, in 1/8 s steps so seconds * 1000 is exact. */
  clock: number;
  /** How many nodes were added; names the next one. */
  seq = 0;
  /** The node the next turn hangs from. */
  prev = "";
  /** The last visible assistant node on the active path; where an edit forks. */
  lastVisible: string | null = null;

  constructor(
    readonly rng: Prng,
    readonly id: string,
    index: number,
    readonly knobs: ConversationKnobs,
  ) {
    this.clock = 1_600_000_000 + index * 86_400 + rng.int(0, 40_000);
    this.legacy = knobs.legacy && rng.chance(0.3);
    this.nullCurrent = rng.chance(knobs.nullCurrentNode);
    this.created = this.tick();
  }

  /** Advances the clock by a random step and returns it. */
  tick(): number {
    this.clock += this.rng.int(1, 400) + this.rng.int(0, 7) / 8;
    return this.clock;
  }

  /** A tick, or `null` by the knobs' chance (never when `current_node` is null). */
  time(allowNull: boolean): number | null {
    const t = this.tick();
    return allowNull && !this.nullCurrent && this.rng.chance(this.knobs.nullTimestamps) ? null : t;
  }

  /** Adds a node under `parent` (a root when `null`) and returns its id. */
  add(message: Json | null, parent: string | null): string {
    const nodeId = `${this.id}-n${this.seq++}`;
    const node: Json = { id: nodeId, message, parent, children: [] };
    if (parent === null && this.legacy && message === null) {
      delete node.message;
      delete node.parent;
    }
    this.mapping[nodeId] = node;
    if (parent !== null) (this.mapping[parent]!.children as string[]).push(nodeId);
    if (message) message.id = nodeId;
    return nodeId;
  }
}
