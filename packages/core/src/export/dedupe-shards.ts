import { readChunks } from "../source/read-chunks.js";
import type { EntryPlan } from "./entry-plan.js";
import { elementBytes } from "./element-bytes.js";
import { ElementScanner } from "./element-scanner.js";
import { NESTED, readTopLevelFields } from "./top-level-fields.js";

const ID_FIELDS = new Set([
  "id",
  "conversation_id",
  "uuid",
  "update_time",
  "updated_at",
  "mapping",
  "chat_messages",
]);

/**
 * The cheap first pass over a sharded export: reads only ids and update times and returns the
 * `entryIndex:elementIndex` keys of the copies that lose to a newer copy of the same conversation.
 */
export async function findDuplicateLosers(
  entries: readonly EntryPlan[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const winners = new Map<string, { key: string; time: number | null }>();
  const losers = new Set<string>();
  for (let e = 0; e < entries.length; e++) {
    const opened = await entries[e]!.open(0);
    const scanner = new ElementScanner();
    try {
      for await (const chunk of readChunks(opened.stream, -opened.offset, signal)) {
        for (const el of scanner.push(chunk)) {
          const f = readTopLevelFields(elementBytes(el), ID_FIELDS);
          const id = f.get("id") ?? f.get("conversation_id") ?? f.get("uuid");
          if (typeof id !== "string" || id === "") continue;
          // Only conversations compete; an element without `mapping` / `chat_messages` is skipped anyway.
          if (f.get("mapping") !== NESTED && f.get("chat_messages") !== NESTED) continue;
          const rawTime = f.get("update_time") ?? f.get("updated_at");
          const time = timeOf(rawTime);
          const key = `${e}:${el.index}`;
          const prev = winners.get(id);
          if (!prev) {
            winners.set(id, { key, time });
          } else if (time !== null && (prev.time === null || time > prev.time)) {
            losers.add(prev.key);
            winners.set(id, { key, time });
          } else {
            losers.add(key);
          }
        }
      }
    } catch (error) {
      // A broken shard is reported by the main pass; the first pass only needs what it could read.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return losers;
}

function timeOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value > 1e11 ? value / 1000 : value;
  if (typeof value === "string") {
    const n = Number(value);
    if (value.trim() !== "" && Number.isFinite(n)) return n > 1e11 ? n / 1000 : n;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms / 1000 : null;
  }
  return null;
}

/** The conversation id in an element's bytes, to name it in an issue. */
export function idOf(bytes: Uint8Array): { conversationId?: string } {
  const f = readTopLevelFields(bytes, ID_FIELDS);
  const id = f.get("id") ?? f.get("conversation_id") ?? f.get("uuid");
  return typeof id === "string" ? { conversationId: id } : {};
}
