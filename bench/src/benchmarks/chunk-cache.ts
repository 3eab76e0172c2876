// The chunk benchmark's cached inputs (`.cache/chunk-<name>.json`): conversations written as JSON,
// read back with their messages' dates as `Date`s. Shared by the benchmark and its 2-processes halves.
import { readFileSync } from "node:fs";
import type { Conversation } from "@threadmill/core";

export type Conv = Pick<Conversation, "id" | "messages" | "branches">;

/** The conversations in a cache file, dates revived. */
export function readCachedConversations(file: string): Conv[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Conv[];
  for (const c of raw) {
    for (const m of c.messages) {
      const at = m.createdAt as unknown as string | null;
      (m as { createdAt: Date | null }).createdAt = at === null ? null : new Date(at);
    }
  }
  return raw;
}
