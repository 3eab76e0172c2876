import type { BuiltConversation } from "./build-chatgpt-conversation.js";
import { type ClaudeDraft, claudeMessage, iso } from "./claude-message.js";
import type { ConversationKnobs } from "./conversation-knobs.js";
import type { Prng } from "./create-prng.js";
import type { ExpectedIssue, TruthBranch, TruthMessage } from "./export-truth.js";
import { words } from "./text-corpus.js";

type Json = Record<string, unknown>;

/**
 * Builds one Claude.ai conversation: the modern shape (a tree through `parent_message_uuid`, with or
 * without `current_leaf_message_uuid`, thinking and tool blocks, edits left as branches) or the
 * legacy flat shape (no parent links, array out of chronological order, shared `created_at`s, the
 * "not supported" placeholder in the flat `text`).
 */
export function buildClaudeConversation(
  rng: Prng,
  id: string,
  index: number,
  knobs: ConversationKnobs,
): BuiltConversation {
  const legacy = knobs.legacy && rng.chance(0.4);
  const draft: ClaudeDraft = { rng, id, knobs, legacy, flags: new Set<string>(), seq: 0 };
  const issues: ExpectedIssue[] = [];
  const messages: TruthMessage[] = [];
  const branches: TruthBranch[] = [];
  const list: Json[] = [];
  let clock = Date.UTC(2024, 0, 1) + index * 86_400_000 + rng.int(0, 40_000_000);
  const tick = () => (clock += rng.int(1_000, 400_000));

  const created = tick();
  let parent: string | null = null;
  let lastVisible: string | null = null;
  const turns = knobs.turns(rng);
  const { planter } = knobs;
  planter?.begin(id, turns);
  for (let t = 0; t < turns; t++) {
    if (!legacy && t > 0 && rng.chance(knobs.branches)) {
      const u = claudeMessage(draft, "human", parent, tick());
      const a = claudeMessage(draft, "assistant", u.json.uuid as string, tick());
      list.push(u.json, a.json);
      branches.push({ id: a.json.uuid as string, forkMessageId: lastVisible, messages: [u.truth, a.truth] });
    }
    // Legacy exports often give a human turn and its answer one created_at.
    const ut = tick();
    const u = claudeMessage(draft, "human", parent, ut, planter && ((text) => planter.decorate(t, text)));
    planter?.settle(u.json.uuid as string);
    const a = claudeMessage(
      draft,
      "assistant",
      u.json.uuid as string,
      legacy && rng.chance(0.5) ? ut : tick(),
    );
    list.push(u.json, a.json);
    messages.push(u.truth, a.truth);
    parent = a.json.uuid as string;
    lastVisible = parent;
  }
  if (legacy) {
    // Not chronological: shuffle (Fisher-Yates).
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
  }
  if (rng.chance(knobs.unknownBlocks) && !legacy && list.length > 0) {
    (list[0]!.content as Json[]).push({ type: "injected_prompt_block", text: "hidden" });
    issues.push({ code: "unknown-content-type" });
  }
  for (const f of draft.flags) issues.push({ code: f as ExpectedIssue["code"], conversationId: id });
  const title = rng.chance(knobs.nullTitles) ? null : words(rng, rng.int(2, 6), knobs.nonAscii);
  const value: Json = {
    uuid: id,
    name: title ?? "",
    summary: "",
    created_at: iso(created),
    updated_at: knobs.updateTime != null ? iso(knobs.updateTime * 1000) : iso(clock + 1000),
    account: { uuid: "account-1" },
    chat_messages: list,
  };
  if (!legacy && rng.chance(0.5)) value.current_leaf_message_uuid = parent;
  const truth = { id, title, messages, branches, instructions: null };
  return planter ? { value, truth, issues, planted: planter.finish() } : { value, truth, issues };
}
