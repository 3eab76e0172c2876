import { type DagNode, walkDag } from "../dag/dag-walker.js";
import { cleanText } from "../render/clean-text.js";
import { parseTimestamp } from "../render/parse-timestamp.js";
import { renderClaudeMessage } from "../render/render-claude-message.js";
import type { RenderedMessage, RenderNote } from "../render/rendered-message.js";
import { contentHash } from "../util/hash.js";
import type { Branch, Conversation, Message } from "./conversation.js";
import { checkConversation, issue, type NormalizeContext, reportNotes } from "./normalize-context.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The parent of a Claude thread's first message. */
export const CLAUDE_ROOT_PARENT = "00000000-0000-4000-8000-000000000000";

const KNOWN_KEYS = new Set([
  "uuid",
  "name",
  "summary",
  "created_at",
  "updated_at",
  "account",
  "chat_messages",
  "current_leaf_message_uuid",
  "model",
  "project_uuid",
  "project",
  "is_starred",
  "settings",
  "is_temporary",
]);

/**
 * Turns one parsed Claude.ai conversation into a `Conversation`: the tree rebuilt from
 * `parent_message_uuid`, the active branch ending at `current_leaf_message_uuid` (or the newest leaf
 * when absent or dangling); legacy flat exports ordered by `created_at`, human before assistant on
 * ties, then array order. Returns `null` (after reporting) when `chat_messages` is not an array.
 */
export function normalizeClaude(raw: Obj, ctx: NormalizeContext): Conversation | null {
  const rawId = typeof raw.uuid === "string" && raw.uuid !== "" ? raw.uuid : null;
  const usable = checkConversation(
    ctx,
    raw,
    {
      format: "claude",
      known: KNOWN_KEYS,
      containerOk: Array.isArray(raw.chat_messages),
      missing: "Claude conversation without a `chat_messages` array; skipped",
    },
    rawId,
  );
  if (!usable || !Array.isArray(raw.chat_messages)) return null;
  const list: Obj[] = [];
  let nulls = 0;
  for (const m of raw.chat_messages) {
    if (isObj(m)) list.push(m);
    else nulls++;
  }
  const ids = list.map((m, i) =>
    typeof m.uuid === "string" && m.uuid !== "" ? m.uuid : `${rawId ?? "conversation"}#${i}`,
  );
  const notes: RenderNote[] = [];
  const rendered: RenderedMessage[] = list.map((m) => {
    const r = renderClaudeMessage(m);
    notes.push(...r.notes);
    return r;
  });
  const toMessage = (i: number): Message => ({
    id: ids[i]!,
    role: rendered[i]!.role!,
    text: rendered[i]!.text,
    createdAt: rendered[i]!.createdAt,
    attachments: rendered[i]!.attachments,
  });

  const linked = list.some((m) => typeof m.parent_message_uuid === "string");
  const order: number[] = [];
  const dagIssues: { code: Parameters<typeof issue>[1]; message: string }[] = [];
  const branchOrders: { leaf: string; fork: string | null; nodes: number[] }[] = [];
  if (linked) {
    const byId = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) byId.set(ids[i]!, i);
    const dag: DagNode[] = list.map((m, i) => {
      const p =
        typeof m.parent_message_uuid === "string" && m.parent_message_uuid !== CLAUDE_ROOT_PARENT
          ? m.parent_message_uuid
          : null;
      return { id: ids[i]!, parent: p, time: rendered[i]!.createdAt?.getTime() ?? null };
    });
    const current = typeof raw.current_leaf_message_uuid === "string" ? raw.current_leaf_message_uuid : null;
    const walk = walkDag(dag, { current, branches: ctx.branches });
    // Recent exports omit current_leaf_message_uuid: the newest leaf is then the documented rule, not a repair.
    for (const d of walk.issues) if (!(d.code === "null-current-node" && current === null)) dagIssues.push(d);
    for (const id of walk.path) order.push(byId.get(id)!);
    for (const b of walk.branches) {
      let fork = b.forkId;
      while (fork !== null && !rendered[byId.get(fork)!]!.visible) fork = walk.parentOf(fork);
      branchOrders.push({ leaf: b.leafId, fork, nodes: b.nodeIds.map((id) => byId.get(id)!) });
    }
  } else {
    const roleRank = (i: number) => (rendered[i]!.role === "user" ? 0 : 1);
    const times = rendered.map((r) => r.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY);
    for (let i = 0; i < list.length; i++) order.push(i);
    order.sort((a, b) => {
      const ta = times[a]!;
      const tb = times[b]!;
      if (ta !== tb) return ta < tb ? -1 : 1;
      return roleRank(a) - roleRank(b) || a - b;
    });
  }

  const messages: Message[] = [];
  for (const i of order) if (rendered[i]!.visible) messages.push(toMessage(i));

  const createdAt = parseTimestamp(raw.created_at);
  const updatedAt = parseTimestamp(raw.updated_at);
  let id = rawId;
  if (id === null) {
    id = `derived-${contentHash("claude", String(raw.created_at ?? ""), messages[0]?.text ?? "")}`;
    ctx.report(issue(ctx, "missing-id", `conversation without a uuid; derived ${id}`, id));
  }
  if (nulls > 0)
    ctx.report(
      issue(ctx, "null-message", `${nulls} null or non-object entries in chat_messages skipped`, id),
    );
  for (const d of dagIssues) ctx.report(issue(ctx, d.code, d.message, id));
  if (createdAt === undefined || updatedAt === undefined) {
    ctx.report(
      issue(ctx, "invalid-timestamp", "unreadable conversation created_at or updated_at; read as null", id),
    );
  }

  let branches: Branch[] | undefined;
  if (ctx.branches) {
    branches = [];
    for (const b of branchOrders) {
      const bm = b.nodes.filter((i) => rendered[i]!.visible).map(toMessage);
      if (bm.length > 0) branches.push({ id: b.leaf, forkMessageId: b.fork, messages: bm });
    }
  }
  reportNotes(ctx, notes, id);
  const name = typeof raw.name === "string" && raw.name !== "" ? cleanText(raw.name).text : null;
  return {
    id,
    source: "claude",
    title: name,
    createdAt: createdAt ?? null,
    updatedAt: updatedAt ?? null,
    model: typeof raw.model === "string" && raw.model !== "" ? raw.model : null,
    instructions: null,
    messages,
    ...(branches === undefined ? {} : { branches }),
    cursor: ctx.cursor,
  };
}
