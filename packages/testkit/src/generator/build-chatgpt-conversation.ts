import type { Prng } from "./create-prng.js";
import type { ExpectedIssue, TruthBranch, TruthConversation, TruthMessage } from "./export-truth.js";
import type { ConversationKnobs } from "./conversation-knobs.js";
import { paragraphText, words } from "./text-corpus.js";

type Json = Record<string, unknown>;

const CITE = "\uE200cite\uE202turn0search0\uE201";

/** A generated conversation: the JSON value to write, what a reader must make of it, and its issues. */
export interface BuiltConversation {
  readonly value: Json;
  readonly truth: TruthConversation;
  readonly issues: ExpectedIssue[];
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
  const mapping: Record<string, Json> = {};
  const issues: ExpectedIssue[] = [];
  const messages: TruthMessage[] = [];
  const branches: TruthBranch[] = [];
  const flags = new Set<string>();
  let instructions: string | null = null;
  let seq = 0;
  // Times in 1/8 s steps so seconds * 1000 is exact.
  let clock = 1_600_000_000 + index * 86_400 + rng.int(0, 40_000);
  const tick = () => {
    clock += rng.int(1, 400) + rng.int(0, 7) / 8;
    return clock;
  };
  const legacy = knobs.legacy && rng.chance(0.3);
  const nullCurrent = rng.chance(knobs.nullCurrentNode);
  const created = tick();

  const add = (message: Json | null, parent: string | null): string => {
    const nodeId = `${id}-n${seq++}`;
    const node: Json = { id: nodeId, message, parent, children: [] };
    if (parent === null && legacy && message === null) {
      delete node.message;
      delete node.parent;
    }
    mapping[nodeId] = node;
    if (parent !== null) (mapping[parent]!.children as string[]).push(nodeId);
    if (message) message.id = nodeId;
    return nodeId;
  };
  const time = (allowNull: boolean) => {
    const t = tick();
    return allowNull && !nullCurrent && rng.chance(knobs.nullTimestamps) ? null : t;
  };
  const msg = (role: string, content: Json, t: number | null, extra: Json = {}): Json => ({
    id: "",
    author: { role, name: null, metadata: {} },
    create_time: t,
    update_time: null,
    content,
    status: "finished_successfully",
    end_turn: role === "assistant" ? true : null,
    weight: 1,
    metadata: {},
    recipient: "all",
    channel: null,
    ...extra,
  });
  const truthMsg = (
    nodeId: string,
    role: "user" | "assistant",
    text: string,
    t: number | null,
    attachments: string[] = [],
  ): TruthMessage => ({
    id: nodeId,
    role,
    text,
    createdAt: t === null ? null : t * 1000,
    attachments,
  });

  /** A visible text message: returns the raw content and the text a reader sees. */
  const visibleText = (
    role: "user" | "assistant",
  ): { content: Json; text: string; attachments: string[]; metadata: Json } => {
    const chars = rng.int(knobs.messageChars[0], knobs.messageChars[1]);
    const multimodalKind = role === "user" && rng.chance(knobs.multimodal) ? rng.int(0, 2) : -1;
    if (multimodalKind === 1) {
      const image = {
        content_type: "image_asset_pointer",
        asset_pointer: `sediment://file_${id}_${seq}`,
        size_bytes: 1000,
        width: 64,
        height: 64,
        metadata: null,
      };
      return {
        content: { content_type: "multimodal_text", parts: [image] },
        text: "",
        attachments: [],
        metadata: {},
      };
    }
    let text =
      role === "user"
        ? words(rng, Math.max(3, Math.round(chars / 6)), knobs.nonAscii)
        : paragraphText(rng, chars, knobs.nonAscii);
    let raw = text;
    if (role === "assistant" && rng.chance(knobs.citations)) {
      const cut = text.indexOf(" ");
      if (cut > 0) raw = text.slice(0, cut) + CITE + text.slice(cut);
      if (rng.chance(0.3)) raw = `${raw} 【4:0†source】`;
      if (raw.endsWith("】")) text = `${text} `;
    }
    if (rng.chance(knobs.textHazards)) {
      if (rng.chance(0.5)) {
        raw = `${raw} \uD83D tail`;
        text = `${text} \uFFFD tail`;
        flags.add("lone-surrogate");
      } else {
        raw = `${raw}\u0000 nul`;
        text = `${text} nul`;
        flags.add("nul-removed");
      }
    }
    const metadata: Json = {};
    const attachments: string[] = [];
    if (role === "user" && rng.chance(knobs.attachments)) {
      const name = `${words(rng, 1, false)}-${seq}.pdf`;
      attachments.push(name);
      metadata.attachments = [{ id: `file-${seq}`, name, size: 1234, mime_type: "application/pdf" }];
    }
    if (multimodalKind >= 0) {
      const kind = multimodalKind;
      const image = {
        content_type: "image_asset_pointer",
        asset_pointer: `sediment://file_${id}_${seq}`,
        size_bytes: 1000,
        width: 64,
        height: 64,
        metadata: null,
      };
      if (kind === 0)
        return {
          content: { content_type: "multimodal_text", parts: [image, raw] },
          text,
          attachments,
          metadata,
        };
      return {
        content: {
          content_type: "multimodal_text",
          parts: [
            { content_type: "audio_transcription", text: raw, direction: "in" },
            { content_type: "audio_asset_pointer", asset_pointer: `sediment://audio_${seq}` },
          ],
        },
        text,
        attachments,
        metadata,
      };
    }
    if (legacy && rng.chance(0.3))
      return { content: { content_type: "text", text: raw }, text, attachments, metadata };
    if (legacy && rng.chance(0.3)) return { content: { parts: [raw] }, text, attachments, metadata };
    return { content: { content_type: "text", parts: [raw] }, text, attachments, metadata };
  };

  let prev = add(null, null);
  let lastVisible: string | null = null;
  if (knobs.hiddenNodes && rng.chance(0.7)) {
    prev = add(
      msg("system", { content_type: "text", parts: [""] }, null, {
        metadata: { is_visually_hidden_from_conversation: true },
      }),
      prev,
    );
  }
  if (rng.chance(knobs.instructions)) {
    const profile = words(rng, 8, knobs.nonAscii);
    const how = words(rng, 10, knobs.nonAscii);
    instructions = `${profile}\n\n${how}`;
    prev = add(
      msg(
        "user",
        { content_type: "user_editable_context", user_profile: profile, user_instructions: how },
        null,
        {
          metadata: { is_visually_hidden_from_conversation: true, is_user_system_message: true },
        },
      ),
      prev,
    );
  }

  const turns = knobs.turns(rng);
  for (let t = 0; t < turns; t++) {
    // An edit: an earlier sibling user message with its own answer, left as a branch.
    if (t > 0 && rng.chance(knobs.branches)) {
      const u = visibleText("user");
      const ut = tick();
      const uId = add(msg("user", u.content, ut, { metadata: u.metadata }), prev);
      const a = visibleText("assistant");
      const at = tick();
      const aId = add(msg("assistant", a.content, at, { metadata: { model_slug: "gpt-4o" } }), uId);
      branches.push({
        id: aId,
        forkMessageId: lastVisible,
        messages: [truthMsg(uId, "user", u.text, ut, u.attachments), truthMsg(aId, "assistant", a.text, at)],
      });
    }
    const u = visibleText("user");
    const ut = time(true);
    prev = add(msg("user", u.content, ut, { metadata: u.metadata }), prev);
    messages.push(truthMsg(prev, "user", u.text, ut, u.attachments));
    const userId = prev;

    if (knobs.hiddenNodes && rng.chance(0.25)) {
      prev = add(
        msg(
          "assistant",
          { content_type: "thoughts", thoughts: [{ summary: "Thinking", content: words(rng, 20, false) }] },
          tick(),
        ),
        prev,
      );
      if (rng.chance(0.5)) {
        prev = add(
          msg("assistant", { content_type: "code", language: "python", text: "print(1 + 1)" }, tick(), {
            recipient: "python",
          }),
          prev,
        );
        prev = add(
          msg("tool", { content_type: "execution_output", text: "2" }, tick(), {
            author: { role: "tool", name: "python" },
            recipient: "all",
          }),
          prev,
        );
      }
      if (rng.chance(0.5))
        prev = add(
          msg("assistant", { content_type: "reasoning_recap", content: "Thought for 3 seconds" }, tick()),
          prev,
        );
    }
    // A regeneration: an earlier sibling answer, left as a branch.
    if (rng.chance(knobs.branches / 2)) {
      const a = visibleText("assistant");
      const at = tick();
      const aId = add(msg("assistant", a.content, at, { metadata: { model_slug: "gpt-4o" } }), prev);
      branches.push({ id: aId, forkMessageId: userId, messages: [truthMsg(aId, "assistant", a.text, at)] });
    }
    if (knobs.hiddenNodes && rng.chance(0.03)) {
      prev = add(msg("assistant", { content_type: "text", parts: [""] }, tick()), prev);
    }
    const a = visibleText("assistant");
    const at = time(true);
    prev = add(msg("assistant", a.content, at, { metadata: { model_slug: "gpt-4o" } }), prev);
    messages.push(truthMsg(prev, "assistant", a.text, at));
    lastVisible = prev;
    if (rng.chance(0.02)) {
      // "Continue generating": a second assistant message in a row.
      const c = visibleText("assistant");
      const ct = time(true);
      prev = add(msg("assistant", c.content, ct, { metadata: { model_slug: "gpt-4o" } }), prev);
      messages.push(truthMsg(prev, "assistant", c.text, ct));
      lastVisible = prev;
    }
  }

  if (nullCurrent) issues.push({ code: "null-current-node", conversationId: id });
  for (const f of flags) issues.push({ code: f as ExpectedIssue["code"], conversationId: id });
  const title = rng.chance(knobs.nullTitles) ? null : words(rng, rng.int(2, 6), knobs.nonAscii);
  const value: Json = {
    title,
    create_time: created,
    update_time:
      knobs.updateTime !== undefined ? knobs.updateTime : rng.chance(knobs.nullTimestamps) ? null : clock + 1,
    mapping,
    moderation_results: [],
    current_node: nullCurrent ? null : prev,
    plugin_ids: null,
    conversation_id: id,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
    default_model_slug: "gpt-4o",
    id,
  };
  if (legacy && rng.chance(0.5)) delete value.id;
  return { value, truth: { id, title, messages, branches, instructions }, issues };
}
