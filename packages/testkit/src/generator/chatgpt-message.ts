import type { TruthMessage } from "./export-truth.js";

type Json = Record<string, unknown>;

/** A ChatGPT `message` object as the export writes it; `extra` overrides any field. */
export function chatgptMessage(role: string, content: Json, t: number | null, extra: Json = {}): Json {
  return {
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
  };
}

/** The message a reader must yield for a visible ChatGPT node (`t` in epoch seconds). */
export function chatgptTruthMessage(
  nodeId: string,
  role: "user" | "assistant",
  text: string,
  t: number | null,
  attachments: string[] = [],
): TruthMessage {
  return { id: nodeId, role, text, createdAt: t === null ? null : t * 1000, attachments };
}
