import type { ChatgptDraft } from "./chatgpt-draft.js";
import { paragraphText, words } from "./text-corpus.js";

type Json = Record<string, unknown>;

const CITE = "\uE200cite\uE202turn0search0\uE201";

/** A visible message's raw `content` and `metadata`, and the text and attachments a reader sees. */
export interface VisibleText {
  readonly content: Json;
  readonly text: string;
  readonly attachments: string[];
  readonly metadata: Json;
}

/**
 * Draws a visible text message: multimodal parts (image, audio transcription), citation markers,
 * lone surrogates and NULs, attachments, and legacy content shapes, as the knobs allow. `decorate`
 * rewrites a user message's drawn words (planted facts, pastes) and is not called when it has none.
 */
export function chatgptVisibleText(
  draft: ChatgptDraft,
  role: "user" | "assistant",
  decorate?: (text: string) => string,
): VisibleText {
  const { rng, knobs, id, seq } = draft;
  const [min, max] = role === "assistant" ? knobs.assistantChars : knobs.messageChars;
  const chars = rng.int(min, max);
  const multimodalKind = role === "user" && rng.chance(knobs.multimodal) ? rng.int(0, 2) : -1;
  if (multimodalKind === 1) {
    return {
      content: { content_type: "multimodal_text", parts: [imagePart(id, seq)] },
      text: "",
      attachments: [],
      metadata: {},
    };
  }
  let text =
    role === "user"
      ? words(rng, Math.max(3, Math.round(chars / 6)), knobs.nonAscii)
      : paragraphText(rng, chars, knobs.nonAscii);
  if (decorate) text = decorate(text);
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
      draft.flags.add("lone-surrogate");
    } else {
      raw = `${raw}\u0000 nul`;
      text = `${text} nul`;
      draft.flags.add("nul-removed");
    }
  }
  const metadata: Json = {};
  const attachments: string[] = [];
  if (role === "user" && rng.chance(knobs.attachments)) {
    const name = `${words(rng, 1, false)}-${seq}.pdf`;
    attachments.push(name);
    metadata.attachments = [{ id: `file-${seq}`, name, size: 1234, mime_type: "application/pdf" }];
  }
  if (multimodalKind === 0) {
    return {
      content: { content_type: "multimodal_text", parts: [imagePart(id, seq), raw] },
      text,
      attachments,
      metadata,
    };
  }
  if (multimodalKind === 2) {
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
  if (draft.legacy && rng.chance(0.3))
    return { content: { content_type: "text", text: raw }, text, attachments, metadata };
  if (draft.legacy && rng.chance(0.3)) return { content: { parts: [raw] }, text, attachments, metadata };
  return { content: { content_type: "text", parts: [raw] }, text, attachments, metadata };
}

function imagePart(id: string, seq: number): Json {
  return {
    content_type: "image_asset_pointer",
    asset_pointer: `sediment://file_${id}_${seq}`,
    size_bytes: 1000,
    width: 64,
    height: 64,
    metadata: null,
  };
}
