import type { TokenCounter } from "../chunk/token-counter.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import { contentHash } from "../util/hash.js";
import { FACTS_PROMPT_VERSION } from "./fact-prompt.js";
import { factMessageText, type ResolvedFactTextRules } from "./fact-text-rules.js";
import {
  type PackedConversation,
  type PackedMessage,
  renderConversationOpen,
  renderPacked,
  renderPackedMessage,
} from "./render-packed.js";

/**
 * Where extraction stands in the job's conversations (read back in id order): everything up to
 * `conversationId` is covered, that conversation too when `messagesDone` is `null`, else its first
 * `messagesDone` sent messages.
 */
export interface FactPosition {
  readonly conversationId: string;
  readonly messagesDone: number | null;
}

/** One request, planned: what it sends and where the stage stands once it is answered. */
export interface FactRequestPlan {
  /** A hash of the prompt's version, the model and the text: the same request always has the same id. */
  readonly id: string;
  readonly conversations: readonly PackedConversation[];
  /** The user turn (see `renderPacked`). */
  readonly text: string;
  /** Estimated tokens of `text`. */
  readonly textTokens: number;
  /** How many messages it sends. */
  readonly messages: number;
  readonly end: FactPosition;
}

/** The messages of a conversation that extraction sends, with their text cut by the rules; empty ones are left out. */
export function sentMessages(
  conversation: StoredConversation,
  rules: ResolvedFactTextRules,
): PackedMessage[] {
  const out: PackedMessage[] = [];
  for (const m of conversation.messages) {
    if (m.role !== "user" && !rules.assistant) continue;
    const names = m.attachments.length > 0 ? `\n[attached: ${m.attachments.join(", ")}]` : "";
    const text = `${factMessageText(m.text, rules)}${names}`.trim();
    if (text) out.push({ id: m.id, role: m.role, at: m.createdAt, text });
  }
  return out;
}

/** Options of `createFactRequestPacker`. */
export interface FactRequestPackerOptions {
  readonly model: string;
  /** Most estimated tokens of conversation text per request. */
  readonly requestTokens: number;
  readonly counter: TokenCounter;
  readonly rules: ResolvedFactTextRules;
}

/** Packs conversations, in order, into requests of at most `requestTokens`; a bigger conversation is split by messages. */
export interface FactRequestPacker {
  /** Adds a conversation from its `startMessage`-th sent message; returns the requests it filled. */
  add(conversation: StoredConversation, startMessage?: number): FactRequestPlan[];
  /** The last, partly filled request, or `null`. */
  flush(): FactRequestPlan | null;
}

/** See `FactRequestPacker`. */
export function createFactRequestPacker(options: FactRequestPackerOptions): FactRequestPacker {
  const { counter, requestTokens, rules, model } = options;
  let open: PackedConversation[] = [];
  let tokens = 0;
  let messages = 0;
  let end: FactPosition | null = null;

  const cut = (): FactRequestPlan | null => {
    if (open.length === 0 || !end) return null;
    const text = renderPacked(open);
    const plan = {
      id: `fr_${contentHash(FACTS_PROMPT_VERSION, model, text)}`,
      conversations: open,
      text,
      textTokens: tokens,
      messages,
      end,
    };
    open = [];
    tokens = 0;
    messages = 0;
    return plan;
  };

  return {
    add(conversation, startMessage = 0) {
      const filled: FactRequestPlan[] = [];
      const all = sentMessages(conversation, rules);
      const head = {
        id: conversation.id,
        title: conversation.title,
        createdAt: conversation.createdAt,
        updatedAt: conversation.updatedAt,
      };
      const openTokens = counter.count(renderConversationOpen(head)) + 4;
      let part: PackedMessage[] = [];
      for (let i = startMessage; i < all.length; i++) {
        const m = all[i]!;
        const cost = counter.count(renderPackedMessage(m)) + 1;
        const extra = (part.length === 0 ? openTokens : 0) + cost;
        if (tokens + extra > requestTokens && (open.length > 0 || part.length > 0)) {
          if (part.length > 0) open.push({ ...head, messages: part });
          end = { conversationId: conversation.id, messagesDone: i };
          const plan = cut();
          if (plan) filled.push(plan);
          part = [];
        }
        tokens += (part.length === 0 ? openTokens : 0) + cost;
        part.push(m);
        messages++;
      }
      if (part.length > 0) open.push({ ...head, messages: part });
      end = { conversationId: conversation.id, messagesDone: null };
      return filled;
    },
    flush: cut,
  };
}
