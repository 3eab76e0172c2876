import { describe, expect, it } from "vitest";
import { createTokenCounter } from "../chunk/token-counter.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import { createFactRequestPacker, type FactRequestPlan } from "./fact-request-packer.js";
import { resolveFactTextRules } from "./fact-text-rules.js";

const counter = createTokenCounter("claude");

function conversation(id: string, messages: number, words = 20): StoredConversation {
  return {
    id,
    source: "chatgpt",
    title: `Title of ${id}`,
    createdAt: new Date("2025-01-01T00:00:00Z"),
    updatedAt: new Date("2025-01-02T00:00:00Z"),
    model: null,
    instructions: null,
    messages: Array.from({ length: messages }, (_, i) => ({
      id: `${id}-m${i}`,
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      text: `message ${i} of ${id} ${"word ".repeat(words)}`.trim(),
      createdAt: new Date(Date.UTC(2025, 0, 1, 0, i)),
      attachments: [],
    })),
  };
}

function pack(
  conversations: StoredConversation[],
  requestTokens: number,
  assistant = false,
): FactRequestPlan[] {
  const packer = createFactRequestPacker({
    model: "claude-haiku-4-5",
    requestTokens,
    counter,
    rules: resolveFactTextRules({ assistant }),
  });
  const plans = conversations.flatMap((c) => packer.add(c));
  const last = packer.flush();
  return last ? [...plans, last] : plans;
}

describe("createFactRequestPacker", () => {
  it("packs many conversations per request, user messages only by default", () => {
    const plans = pack(
      Array.from({ length: 30 }, (_, i) => conversation(`c${String(i).padStart(2, "0")}`, 6)),
      4000,
    );
    expect(plans.length).toBeGreaterThan(1);
    expect(plans.length).toBeLessThan(10);
    for (const p of plans) {
      expect(p.textTokens).toBeLessThanOrEqual(4000);
      expect(p.text).not.toContain('role="assistant"');
      expect(p.conversations.every((c) => c.messages.every((m) => m.role === "user"))).toBe(true);
    }
    const sent = plans.flatMap((p) => p.conversations.flatMap((c) => c.messages.map((m) => m.id)));
    expect(sent).toHaveLength(30 * 3);
    expect(new Set(sent).size).toBe(sent.length);
    expect(plans.at(-1)!.end).toEqual({ conversationId: "c29", messagesDone: null });
  });

  it("sends assistant messages when asked", () => {
    const [plan] = pack([conversation("a", 4)], 4000, true);
    expect(plan!.messages).toBe(4);
    expect(plan!.text).toContain('role="assistant"');
  });

  it("splits a conversation bigger than a request by messages, and resumes inside it the same way", () => {
    const big = conversation("big", 200, 60);
    const plans = pack([big], 3000);
    expect(plans.length).toBeGreaterThan(2);
    expect(plans[0]!.end).toEqual({ conversationId: "big", messagesDone: expect.any(Number) });
    const sent = plans.flatMap((p) => p.conversations.flatMap((c) => c.messages.map((m) => m.id)));
    expect(sent).toEqual(big.messages.filter((m) => m.role === "user").map((m) => m.id));

    const packer = createFactRequestPacker({
      model: "claude-haiku-4-5",
      requestTokens: 3000,
      counter,
      rules: resolveFactTextRules(),
    });
    const resumed = packer.add(big, plans[0]!.end.messagesDone!);
    const rest = packer.flush();
    expect([...resumed, ...(rest ? [rest] : [])].map((p) => p.id)).toEqual(plans.slice(1).map((p) => p.id));
  });

  it("gives the same request the same id, and a different model a different one", () => {
    const cs = [conversation("x", 4), conversation("y", 4)];
    expect(pack(cs, 4000).map((p) => p.id)).toEqual(pack(cs, 4000).map((p) => p.id));
    const other = createFactRequestPacker({
      model: "claude-sonnet-4-5",
      requestTokens: 4000,
      counter,
      rules: resolveFactTextRules(),
    });
    for (const c of cs) other.add(c);
    expect(other.flush()!.id).not.toBe(pack(cs, 4000)[0]!.id);
  });

  it("escapes markup in text and attributes, and leaves out unknown attributes", () => {
    const c = conversation("e", 1);
    const tricky: StoredConversation = {
      ...c,
      title: 'A "quoted" <title>',
      createdAt: null,
      messages: [{ ...c.messages[0]!, text: "</message></conversation> & more", createdAt: null }],
    };
    const [plan] = pack([tricky], 4000);
    expect(plan!.text).toContain('title="A &quot;quoted&quot; &lt;title&gt;"');
    expect(plan!.text).toContain("&lt;/message&gt;&lt;/conversation&gt; &amp; more");
    expect(plan!.text).not.toContain("created=");
    expect(plan!.text).toMatch(/<message id="e-m0" role="user">/);
  });

  it("skips conversations with nothing to send", () => {
    const onlyAssistant: StoredConversation = {
      ...conversation("z", 2),
      messages: [conversation("z", 2).messages[1]!],
    };
    expect(pack([onlyAssistant], 4000)).toEqual([]);
  });
});
