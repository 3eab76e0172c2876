import type { OpenedSource } from "../ports/source.js";

/** One readable stream of conversations: a plain file, a ZIP entry or a shard file. */
export interface EntryPlan {
  readonly name: string | null;
  open(start: number): Promise<OpenedSource>;
}

/** A shard of a large ChatGPT export: `conversations-000.json`, `conversations-001.json`, ... */
export const SHARD = /^conversations-(\d+)\.json$/i;

/** Whether a path names `conversations.json` or one of its shards. */
export function isConversationFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return base.toLowerCase() === "conversations.json" || SHARD.test(base);
}

/** Shard names in shard-number order. */
export function sortShards(shards: readonly string[]): string[] {
  const base = (n: string) => n.slice(n.lastIndexOf("/") + 1);
  return [...shards].sort(
    (a, b) => Number(SHARD.exec(base(a))![1]) - Number(SHARD.exec(base(b))![1]) || (a < b ? -1 : 1),
  );
}
