import { createPrng, type Prng } from "./create-prng.js";

/** How `evolveChatgptExport` turns an export into a newer one of the same account. */
export interface EvolveExportOptions {
  /** Same seed, same changes. */
  readonly seed: number;
  /** Share of conversations with one user message edited (and `update_time` moved on). @default 0 */
  readonly edit?: number;
  /** Share of conversations with branches whose `current_node` moves to another branch's leaf. @default 0 */
  readonly switchBranch?: number;
  /** Share of conversations left out (deleted by the person). @default 0 */
  readonly remove?: number;
  /** Conversations of another export (a ChatGPT JSON array) to add, under new ids. @default none */
  readonly addFrom?: Uint8Array;
  /** How many of `addFrom`'s conversations to add. @default all */
  readonly add?: number;
}

/** A newer export and what changed, by conversation id. */
export interface EvolvedExport {
  /** The original export as `JSON.stringify` writes it: import this first, so unchanged conversations keep their exact bytes. */
  readonly base: Uint8Array;
  /** The newer export. */
  readonly bytes: Uint8Array;
  readonly edited: string[];
  readonly switched: string[];
  readonly removed: string[];
  readonly added: string[];
}

type Node = {
  id: string;
  parent?: string | null;
  children?: string[];
  message?: { author?: { role?: string }; content?: { parts?: unknown[] } } | null;
};
type ChatgptConversation = {
  id?: string;
  conversation_id?: string;
  current_node?: string | null;
  update_time?: number | null;
  mapping?: Record<string, Node>;
};

const idOf = (c: ChatgptConversation) => String(c.conversation_id ?? c.id);

/** The user messages on the conversation's current path whose first part is text. */
function userNodes(c: ChatgptConversation): Node[] {
  const out: Node[] = [];
  let at = c.current_node ? c.mapping?.[c.current_node] : undefined;
  while (at) {
    const parts = at.message?.content?.parts;
    if (at.message?.author?.role === "user" && typeof parts?.[0] === "string") out.push(at);
    at = at.parent ? c.mapping?.[at.parent] : undefined;
  }
  return out;
}

function edit(c: ChatgptConversation, prng: Prng): boolean {
  const nodes = userNodes(c);
  if (nodes.length === 0) return false;
  const parts = prng.pick(nodes).message!.content!.parts!;
  parts[0] = `${parts[0] as string} (edited ${prng.int(0, 1e9)})`;
  if (typeof c.update_time === "number") c.update_time += 60;
  return true;
}

/** Moves `current_node` to another leaf that holds a message (a branch switch in the ChatGPT UI). */
function switchBranch(c: ChatgptConversation, prng: Prng): boolean {
  const leaves = Object.values(c.mapping ?? {}).filter(
    (n) => (n.children ?? []).length === 0 && n.message && n.id !== c.current_node,
  );
  if (leaves.length === 0) return false;
  c.current_node = prng.pick(leaves).id;
  if (typeof c.update_time === "number") c.update_time += 60;
  return true;
}

/**
 * A newer export of the same ChatGPT account, made from `bytes` (a generated ChatGPT JSON array):
 * some conversations edited, some switched to another branch, some removed, some added from another
 * export. For re-import tests and the re-import benchmark. Both exports are written by
 * `JSON.stringify` (`base` and `bytes`), so an unchanged conversation has the same bytes in both, as
 * in two real exports of one account.
 */
export function evolveChatgptExport(bytes: Uint8Array, options: EvolveExportOptions): EvolvedExport {
  const prng = createPrng(options.seed);
  const decoder = new TextDecoder();
  const conversations = JSON.parse(decoder.decode(bytes)) as ChatgptConversation[];
  const encoder = new TextEncoder();
  const base = encoder.encode(JSON.stringify(conversations));
  const out: ChatgptConversation[] = [];
  const result = { edited: [] as string[], switched: [] as string[], removed: [] as string[] };
  for (const c of conversations) {
    if (prng.chance(options.remove ?? 0)) {
      result.removed.push(idOf(c));
      continue;
    }
    if (prng.chance(options.edit ?? 0) && edit(c, prng)) result.edited.push(idOf(c));
    else if (prng.chance(options.switchBranch ?? 0) && switchBranch(c, prng)) result.switched.push(idOf(c));
    out.push(c);
  }
  const added: string[] = [];
  if (options.addFrom) {
    const extra = JSON.parse(decoder.decode(options.addFrom)) as ChatgptConversation[];
    for (const c of extra.slice(0, options.add ?? extra.length)) {
      const id = `${idOf(c)}-added`;
      c.id = id;
      c.conversation_id = id;
      out.splice(prng.int(0, out.length), 0, c);
      added.push(id);
    }
  }
  return { base, bytes: encoder.encode(JSON.stringify(out)), ...result, added };
}
