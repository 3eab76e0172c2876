import type { ChatgptDraft } from "./chatgpt-draft.js";
import { chatgptMessage as msg, chatgptTruthMessage as truthMsg } from "./chatgpt-message.js";
import { chatgptVisibleText as visibleText } from "./chatgpt-visible-text.js";
import { words } from "./text-corpus.js";

/** A fresh `metadata` per message, so no two messages share one object. */
const model = () => ({ metadata: { model_slug: "gpt-4o" } });

/**
 * Adds turn `t` to the draft: maybe an edit left as a branch, the user message, maybe hidden
 * thoughts and a tool call, maybe a regeneration left as a branch, the answer, maybe a continuation.
 */
export function addChatgptTurn(draft: ChatgptDraft, t: number): void {
  const { rng, knobs } = draft;
  // An edit: an earlier sibling user message with its own answer, left as a branch.
  if (t > 0 && rng.chance(knobs.branches)) {
    const u = visibleText(draft, "user");
    const ut = draft.tick();
    const uId = draft.add(msg("user", u.content, ut, { metadata: u.metadata }), draft.prev);
    const a = visibleText(draft, "assistant");
    const at = draft.tick();
    const aId = draft.add(msg("assistant", a.content, at, model()), uId);
    draft.branches.push({
      id: aId,
      forkMessageId: draft.lastVisible,
      messages: [truthMsg(uId, "user", u.text, ut, u.attachments), truthMsg(aId, "assistant", a.text, at)],
    });
  }
  const { planter } = knobs;
  const u = visibleText(draft, "user", planter && ((text) => planter.decorate(t, text)));
  const ut = draft.time(true);
  draft.prev = draft.add(msg("user", u.content, ut, { metadata: u.metadata }), draft.prev);
  planter?.settle(draft.prev);
  draft.messages.push(truthMsg(draft.prev, "user", u.text, ut, u.attachments));
  const userId = draft.prev;

  if (knobs.hiddenNodes && rng.chance(0.25)) addHiddenWork(draft);
  // A regeneration: an earlier sibling answer, left as a branch.
  if (rng.chance(knobs.branches / 2)) {
    const a = visibleText(draft, "assistant");
    const at = draft.tick();
    const aId = draft.add(msg("assistant", a.content, at, model()), draft.prev);
    draft.branches.push({
      id: aId,
      forkMessageId: userId,
      messages: [truthMsg(aId, "assistant", a.text, at)],
    });
  }
  if (knobs.hiddenNodes && rng.chance(0.03)) {
    draft.prev = draft.add(msg("assistant", { content_type: "text", parts: [""] }, draft.tick()), draft.prev);
  }
  addAnswer(draft);
  // "Continue generating": a second assistant message in a row.
  if (rng.chance(0.02)) addAnswer(draft);
}

/** A visible assistant answer on the active path. */
function addAnswer(draft: ChatgptDraft): void {
  const a = visibleText(draft, "assistant");
  const at = draft.time(true);
  draft.prev = draft.add(msg("assistant", a.content, at, model()), draft.prev);
  draft.messages.push(truthMsg(draft.prev, "assistant", a.text, at));
  draft.lastVisible = draft.prev;
}

/** Hidden nodes a reader must skip: thoughts, maybe a python call and its output, maybe a recap. */
function addHiddenWork(draft: ChatgptDraft): void {
  const { rng } = draft;
  draft.prev = draft.add(
    msg(
      "assistant",
      { content_type: "thoughts", thoughts: [{ summary: "Thinking", content: words(rng, 20, false) }] },
      draft.tick(),
    ),
    draft.prev,
  );
  if (rng.chance(0.5)) {
    draft.prev = draft.add(
      msg("assistant", { content_type: "code", language: "python", text: "print(1 + 1)" }, draft.tick(), {
        recipient: "python",
      }),
      draft.prev,
    );
    draft.prev = draft.add(
      msg("tool", { content_type: "execution_output", text: "2" }, draft.tick(), {
        author: { role: "tool", name: "python" },
        recipient: "all",
      }),
      draft.prev,
    );
  }
  if (rng.chance(0.5))
    draft.prev = draft.add(
      msg("assistant", { content_type: "reasoning_recap", content: "Thought for 3 seconds" }, draft.tick()),
      draft.prev,
    );
}
