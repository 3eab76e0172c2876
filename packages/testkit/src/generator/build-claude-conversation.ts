import type { BuiltConversation } from "./build-chatgpt-conversation.js";
import type { ConversationKnobs } from "./conversation-knobs.js";
import type { Prng } from "./create-prng.js";
import type { ExpectedIssue, TruthBranch, TruthMessage } from "./export-truth.js";
import { paragraphText, words } from "./text-corpus.js";

type Json = Record<string, unknown>;
const ROOT = "00000000-0000-4000-8000-000000000000";
const PLACEHOLDER = "This block is not supported on your current device yet.";

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
  const issues: ExpectedIssue[] = [];
  const flags = new Set<string>();
  const messages: TruthMessage[] = [];
  const branches: TruthBranch[] = [];
  const list: Json[] = [];
  let clock = Date.UTC(2024, 0, 1) + index * 86_400_000 + rng.int(0, 40_000_000);
  const tick = () => (clock += rng.int(1_000, 400_000));
  let seq = 0;
  const uuid = () => `${id}-m${seq++}`;
  const iso = (ms: number) => new Date(ms).toISOString();

  const make = (
    sender: "human" | "assistant",
    parent: string | null,
    at: number,
  ): { json: Json; truth: TruthMessage | null } => {
    const mid = uuid();
    const chars = rng.int(knobs.messageChars[0], knobs.messageChars[1]);
    let text =
      sender === "human"
        ? words(rng, Math.max(3, Math.round(chars / 6)), knobs.nonAscii)
        : paragraphText(rng, chars, knobs.nonAscii);
    let raw = text;
    if (rng.chance(knobs.textHazards)) {
      raw = `${raw}\u0000 nul`;
      text = `${text} nul`;
      flags.add("nul-removed");
    }
    const content: Json[] = [];
    let flat = raw;
    if (sender === "assistant" && rng.chance(0.3)) {
      const thinking = words(rng, 15, false);
      content.push({
        start_timestamp: iso(at - 500),
        stop_timestamp: iso(at - 100),
        flags: null,
        type: "thinking",
        thinking,
        summaries: [{ summary: "Thinking" }],
        cut_off: false,
      });
      flat = `${thinking}\n\n${raw}`;
    }
    if (sender === "assistant" && rng.chance(0.1)) {
      content.push({
        type: "tool_use",
        name: "artifacts",
        input: { id: "a", type: "text/markdown", content: words(rng, 10, false) },
      });
      content.push({
        type: "tool_result",
        name: "artifacts",
        content: [{ type: "text", text: "OK" }],
        is_error: false,
      });
    }
    content.push({
      start_timestamp: iso(at),
      stop_timestamp: iso(at),
      flags: null,
      type: "text",
      text: raw,
      citations: [],
    });
    const attachments: string[] = [];
    const json: Json = {
      uuid: mid,
      text: flat,
      content,
      sender,
      created_at: iso(at),
      updated_at: iso(at),
      attachments: [],
      files: [],
    };
    if (sender === "human" && rng.chance(knobs.attachments)) {
      const name = `${words(rng, 1, false)}-${seq}.txt`;
      json.attachments = [
        { file_name: name, file_size: 10, file_type: "txt", extracted_content: words(rng, 12, false) },
      ];
      attachments.push(name);
    }
    if (legacy) {
      // Legacy exports: the flat text is the message; artifacts appear as the placeholder.
      delete json.content;
      if (sender === "assistant" && rng.chance(0.2)) {
        json.text = `${raw}\n\n${PLACEHOLDER}\n\nDone.`;
        text = `${text}\n\n\n\nDone.`;
        flags.add("placeholder-removed");
      } else {
        json.text = raw;
      }
    } else {
      json.parent_message_uuid = parent ?? ROOT;
    }
    return {
      json,
      truth: { id: mid, role: sender === "human" ? "user" : "assistant", text, createdAt: at, attachments },
    };
  };

  const created = tick();
  let parent: string | null = null;
  let lastVisible: string | null = null;
  const turns = knobs.turns(rng);
  for (let t = 0; t < turns; t++) {
    if (!legacy && t > 0 && rng.chance(knobs.branches)) {
      const u = make("human", parent, tick());
      const a = make("assistant", u.json.uuid as string, tick());
      list.push(u.json, a.json);
      branches.push({
        id: a.json.uuid as string,
        forkMessageId: lastVisible,
        messages: [u.truth!, a.truth!],
      });
    }
    // Legacy exports often give a human turn and its answer one created_at.
    const ut = tick();
    const u = make("human", parent, ut);
    const a = make("assistant", u.json.uuid as string, legacy && rng.chance(0.5) ? ut : tick());
    list.push(u.json, a.json);
    messages.push(u.truth!, a.truth!);
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
  for (const f of flags) issues.push({ code: f as ExpectedIssue["code"], conversationId: id });
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
  return { value, truth: { id, title, messages, branches, instructions: null }, issues };
}
