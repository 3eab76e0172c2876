import type { ConversationKnobs } from "./conversation-knobs.js";
import type { Prng } from "./create-prng.js";
import type { TruthMessage } from "./export-truth.js";
import { paragraphText, words } from "./text-corpus.js";

type Json = Record<string, unknown>;
const ROOT = "00000000-0000-4000-8000-000000000000";
const PLACEHOLDER = "This block is not supported on your current device yet.";

/** What a Claude conversation's messages share while it is built; `seq` names the next message. */
export interface ClaudeDraft {
  readonly rng: Prng;
  readonly id: string;
  readonly knobs: ConversationKnobs;
  /** The legacy flat shape: no parent links, no `content` blocks. */
  readonly legacy: boolean;
  /** Issue codes raised by the text, once each. */
  readonly flags: Set<string>;
  seq: number;
}

/**
 * Draws one Claude message sent at `at` (epoch ms): its JSON (thinking and tool blocks, attachments,
 * NULs, the legacy flat text with the "not supported" placeholder) and the message a reader sees.
 * `decorate` rewrites a human message's drawn words (planted facts, pastes).
 */
export function claudeMessage(
  draft: ClaudeDraft,
  sender: "human" | "assistant",
  parent: string | null,
  at: number,
  decorate?: (text: string) => string,
): { json: Json; truth: TruthMessage } {
  const { rng, knobs } = draft;
  const mid = `${draft.id}-m${draft.seq++}`;
  const [min, max] = sender === "human" ? knobs.messageChars : knobs.assistantChars;
  const chars = rng.int(min, max);
  let text =
    sender === "human"
      ? words(rng, Math.max(3, Math.round(chars / 6)), knobs.nonAscii)
      : paragraphText(rng, chars, knobs.nonAscii);
  if (decorate) text = decorate(text);
  let raw = text;
  if (rng.chance(knobs.textHazards)) {
    raw = `${raw}\u0000 nul`;
    text = `${text} nul`;
    draft.flags.add("nul-removed");
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
    const name = `${words(rng, 1, false)}-${draft.seq}.txt`;
    json.attachments = [
      { file_name: name, file_size: 10, file_type: "txt", extracted_content: words(rng, 12, false) },
    ];
    attachments.push(name);
  }
  if (draft.legacy) {
    // Legacy exports: the flat text is the message; artifacts appear as the placeholder.
    delete json.content;
    if (sender === "assistant" && rng.chance(0.2)) {
      json.text = `${raw}\n\n${PLACEHOLDER}\n\nDone.`;
      text = `${text}\n\n\n\nDone.`;
      draft.flags.add("placeholder-removed");
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
}

/** Epoch ms as an ISO 8601 string. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
