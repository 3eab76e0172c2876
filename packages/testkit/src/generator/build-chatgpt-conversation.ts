import { addChatgptTurn } from "./add-chatgpt-turn.js";
import { ChatgptDraft } from "./chatgpt-draft.js";
import { chatgptMessage as msg } from "./chatgpt-message.js";
import type { ConversationKnobs } from "./conversation-knobs.js";
import type { Prng } from "./create-prng.js";
import type { ExpectedIssue, TruthConversation } from "./export-truth.js";
import type { PlantedInConversation } from "./fact-planter.js";
import { words } from "./text-corpus.js";

type Json = Record<string, unknown>;

/** A generated conversation: the JSON value to write, what a reader must make of it, and its issues. */
export interface BuiltConversation {
  readonly value: Json;
  readonly truth: TruthConversation;
  readonly issues: ExpectedIssue[];
  /** What the planter put in it, when planting is on. */
  readonly planted?: PlantedInConversation;
}

/**
 * Builds one ChatGPT conversation (`mapping` tree) with the knobs' edge cases: edits and
 * regenerations (branches), hidden system/tool/thought nodes, multimodal and audio parts, custom
 * instructions, null timestamps, citation markers, lone surrogates and NULs, legacy 2023 shapes.
 */
export function buildChatgptConversation(
  rng: Prng,
  id: string,
  index: number,
  knobs: ConversationKnobs,
): BuiltConversation {
  const draft = new ChatgptDraft(rng, id, index, knobs);
  draft.prev = draft.add(null, null);
  if (knobs.hiddenNodes && rng.chance(0.7)) {
    draft.prev = draft.add(
      msg("system", { content_type: "text", parts: [""] }, null, {
        metadata: { is_visually_hidden_from_conversation: true },
      }),
      draft.prev,
    );
  }
  const instructions = rng.chance(knobs.instructions) ? addInstructions(draft) : null;

  const turns = knobs.turns(rng);
  knobs.planter?.begin(id, turns);
  for (let t = 0; t < turns; t++) addChatgptTurn(draft, t);

  const issues: ExpectedIssue[] = [];
  if (draft.nullCurrent) issues.push({ code: "null-current-node", conversationId: id });
  for (const f of draft.flags) issues.push({ code: f as ExpectedIssue["code"], conversationId: id });
  const title = rng.chance(knobs.nullTitles) ? null : words(rng, rng.int(2, 6), knobs.nonAscii);
  const value: Json = {
    title,
    create_time: draft.created,
    update_time:
      knobs.updateTime !== undefined
        ? knobs.updateTime
        : rng.chance(knobs.nullTimestamps)
          ? null
          : draft.clock + 1,
    mapping: draft.mapping,
    moderation_results: [],
    current_node: draft.nullCurrent ? null : draft.prev,
    plugin_ids: null,
    conversation_id: id,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
    default_model_slug: "gpt-4o",
    id,
  };
  if (draft.legacy && rng.chance(0.5)) delete value.id;
  const { messages, branches } = draft;
  const truth = { id, title, messages, branches, instructions };
  return knobs.planter ? { value, truth, issues, planted: knobs.planter.finish() } : { value, truth, issues };
}

/** A hidden custom-instructions node; returns the instructions a reader must yield. */
function addInstructions(draft: ChatgptDraft): string {
  const profile = words(draft.rng, 8, draft.knobs.nonAscii);
  const how = words(draft.rng, 10, draft.knobs.nonAscii);
  draft.prev = draft.add(
    msg(
      "user",
      { content_type: "user_editable_context", user_profile: profile, user_instructions: how },
      null,
      { metadata: { is_visually_hidden_from_conversation: true, is_user_system_message: true } },
    ),
    draft.prev,
  );
  return `${profile}\n\n${how}`;
}
