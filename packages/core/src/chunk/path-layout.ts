import type { Message } from "../export/conversation.js";
import type { ChunkFormat } from "./chunk-format.js";

/**
 * A path's formatted text and where each message's `label + text` lies in it, with the message
 * times (epoch ms, NaN for none): all that chunking reads (what the pool sends a worker). @internal
 */
export interface PathText {
  readonly text: string;
  readonly spanStart: Int32Array;
  readonly spanEnd: Int32Array;
  readonly times: Float64Array;
}

/** A `PathText` with its message ids, which chunks name by index. @internal */
export interface PathLayout extends PathText {
  readonly ids: readonly string[];
}

/** @internal The formatted text of `messages` and where each message lies in it. */
export function layoutPath(messages: readonly Message[], format: ChunkFormat): PathLayout {
  const count = messages.length;
  const parts: string[] = [];
  const spanStart = new Int32Array(count);
  const spanEnd = new Int32Array(count);
  const ids: string[] = new Array(count);
  const times = new Float64Array(count);
  let length = 0;
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) {
      parts.push(format.separator);
      length += format.separator.length;
    }
    const m = messages[i]!;
    const label = format.label(m.role);
    if (typeof label !== "string") throw new TypeError("[threadmill] format.label() must return a string.");
    spanStart[i] = length;
    parts.push(label, m.text);
    length += label.length + m.text.length;
    spanEnd[i] = length;
    ids[i] = m.id;
    times[i] = m.createdAt === null ? Number.NaN : m.createdAt.getTime();
  }
  return { text: parts.join(""), spanStart, spanEnd, ids, times };
}
