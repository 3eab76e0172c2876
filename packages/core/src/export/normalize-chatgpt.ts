import { type DagNode, walkDag } from "../dag/dag-walker.js";
import { cleanText } from "../render/clean-text.js";
import { parseTimestamp, timestampMs } from "../render/parse-timestamp.js";
import { renderChatgptMessage } from "../render/render-chatgpt-message.js";
import type { RenderedMessage, RenderNote } from "../render/rendered-message.js";
import { contentHash } from "../util/hash.js";
import type { Branch, Conversation, Message } from "./conversation.js";
import { checkConversation, issue, type NormalizeContext, reportNotes } from "./normalize-context.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Top-level conversation keys ChatGPT is known to write; others are reported once as `unknown-field`. */
const KNOWN_KEYS = new Set([
  "title",
  "create_time",
  "update_time",
  "mapping",
  "moderation_results",
  "current_node",
  "plugin_ids",
  "conversation_id",
  "conversation_template_id",
  "gizmo_id",
  "gizmo_type",
  "is_archived",
  "is_starred",
  "safe_urls",
  "blocked_urls",
  "default_model_slug",
  "conversation_origin",
  "voice",
  "async_status",
  "disabled_tool_ids",
  "is_do_not_remember",
  "memory_scope",
  "id",
  "sugar_item_id",
  "sugar_item_visible",
  "is_study_mode",
  "owner",
  "context_scopes",
  "pinned_time",
  "is_read_only",
  "workspace_id",
  "project_id",
  "atlas_mode_enabled",
  "is_temporary_chat",
]);

/**
 * Turns one parsed ChatGPT conversation (an element of `conversations.json`) into a `Conversation`:
 * the active path through `mapping`, rendered by the visibility rules, and with `branches` every
 * other branch. Returns `null` (after reporting `malformed-conversation`) when it has no `mapping`.
 */
export function normalizeChatgpt(raw: Obj, ctx: NormalizeContext): Conversation | null {
  const rawId =
    typeof raw.id === "string" && raw.id !== ""
      ? raw.id
      : typeof raw.conversation_id === "string" && raw.conversation_id !== ""
        ? raw.conversation_id
        : null;
  const mapping = raw.mapping;
  const usable = checkConversation(
    ctx,
    raw,
    {
      format: "chatgpt",
      known: KNOWN_KEYS,
      containerOk: isObj(mapping),
      missing: "ChatGPT conversation without a `mapping` object; skipped",
    },
    rawId,
  );
  if (!usable || !isObj(mapping)) return null;
  const keys = Object.keys(mapping);
  const dag = toDag(mapping, keys);
  const walk = walkDag(dag, {
    current: raw.current_node as string | null | undefined,
    branches: ctx.branches,
  });

  const rendered = new Map<string, RenderedMessage>();
  const notes: RenderNote[] = [];
  const render = (key: string): RenderedMessage => {
    let r = rendered.get(key);
    if (!r) {
      const node = mapping[key];
      r = renderChatgptMessage(isObj(node) ? node.message : null);
      rendered.set(key, r);
      notes.push(...r.notes);
    }
    return r;
  };
  const toMessage = (key: string, r: RenderedMessage): Message => {
    const node = mapping[key] as Obj;
    const message = node.message as Obj;
    return {
      id: typeof message.id === "string" && message.id !== "" ? message.id : key,
      role: r.role!,
      text: r.text,
      createdAt: r.createdAt,
      attachments: r.attachments,
    };
  };

  const messages: Message[] = [];
  const instructions: string[] = [];
  let lastModel: string | null = null;
  for (const key of walk.path) {
    const r = render(key);
    if (r.instructions !== null && !instructions.includes(r.instructions)) instructions.push(r.instructions);
    if (!r.visible) continue;
    messages.push(toMessage(key, r));
    if (r.role === "assistant" && r.model) lastModel = r.model;
  }

  const createdAt = parseTimestamp(raw.create_time);
  const updatedAt = parseTimestamp(raw.update_time);
  let id = rawId;
  if (id === null) {
    id = `derived-${contentHash("chatgpt", String(raw.create_time ?? ""), messages[0]?.text ?? keys[0] ?? "")}`;
    ctx.report(issue(ctx, "missing-id", `conversation without an id; derived ${id}`, id));
  }
  for (const d of walk.issues) {
    ctx.report(issue(ctx, d.code, d.message, id));
  }
  if (createdAt === undefined || updatedAt === undefined) {
    ctx.report(
      issue(ctx, "invalid-timestamp", "unreadable conversation create_time or update_time; read as null", id),
    );
  }

  let branches: Branch[] | undefined;
  if (ctx.branches) {
    branches = [];
    for (const b of walk.branches) {
      const bm: Message[] = [];
      for (const key of b.nodeIds) {
        const r = render(key);
        if (r.visible) bm.push(toMessage(key, r));
      }
      if (bm.length === 0) continue;
      let fork = b.forkId;
      while (fork !== null && !render(fork).visible) fork = walk.parentOf(fork);
      branches.push({
        id: b.leafId,
        forkMessageId: fork === null ? null : toMessage(fork, render(fork)).id,
        messages: bm,
      });
    }
  }
  reportNotes(ctx, notes, id);

  const title = typeof raw.title === "string" ? cleanText(raw.title).text : null;
  const model =
    typeof raw.default_model_slug === "string" && raw.default_model_slug !== ""
      ? raw.default_model_slug
      : lastModel;
  return {
    id,
    source: "chatgpt",
    title,
    createdAt: createdAt ?? null,
    updatedAt: updatedAt ?? null,
    model,
    instructions: instructions.length > 0 ? instructions.join("\n\n") : null,
    messages,
    ...(branches === undefined ? {} : { branches }),
    cursor: ctx.cursor,
  };
}

/** The `mapping`'s nodes as the DAG walker reads them: links, and each message's creation time. */
function toDag(mapping: Obj, keys: readonly string[]): DagNode[] {
  const dag: DagNode[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const node = mapping[key];
    const n = isObj(node) ? node : {};
    const message = isObj(n.message) ? n.message : null;
    const t = message ? timestampMs(message.create_time) : null;
    dag[i] = {
      id: key,
      parent: typeof n.parent === "string" ? n.parent : null,
      children: Array.isArray(n.children)
        ? (n.children.filter((c) => typeof c === "string") as string[])
        : undefined,
      time: typeof t === "number" ? t : null,
    };
  }
  return dag;
}
