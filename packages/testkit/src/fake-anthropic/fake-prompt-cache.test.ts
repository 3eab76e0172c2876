import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { countFakeInputTokens, countFakeTokens } from "./count-fake-tokens.js";
import { createFakeAnthropic, type FakeAnthropic } from "./create-fake-anthropic.js";
import { cacheMinimumTokens } from "./fake-prompt-cache.js";
import { factsRequest, pack, RECORD_FACTS_TOOL } from "./facts-request.test-helper.js";

let fake: FakeAnthropic;
afterEach(() => fake.close());

const PACKED = pack([
  { conversationId: "c", messages: [{ id: "u", role: "user", text: "I live in Porto." }] },
]);
const TOOL_TOKENS = countFakeTokens(JSON.stringify([RECORD_FACTS_TOOL]));
/** A system prompt of exactly `tokens` fake tokens (one token per "word" of 5 letters). */
const prompt = (tokens: number) => Array.from({ length: tokens }, () => "facts").join(" ");
const cached = (model: string, systemTokens: number) =>
  factsRequest(PACKED, {
    model,
    system: [{ type: "text", text: prompt(systemTokens), cache_control: { type: "ephemeral" } }],
  });

async function setup() {
  let now = Date.UTC(2025, 0, 1);
  fake = await createFakeAnthropic({ now: () => now });
  const client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
  const usage = async (body: unknown) =>
    (await client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming)).usage;
  const advance = (ms: number) => {
    now += ms;
  };
  return { usage, advance };
}

describe("fake prompt caching", () => {
  it("the first request writes the prefix (tools + system), later ones read it; input_tokens is the rest", async () => {
    const { usage } = await setup();
    const body = cached("claude-haiku-4-5", 4096);
    const prefix = TOOL_TOKENS + 4096;
    const total = countFakeInputTokens(body);
    const first = await usage(body);
    expect(first).toMatchObject({
      cache_creation_input_tokens: prefix,
      cache_read_input_tokens: 0,
      input_tokens: total - prefix,
    });
    expect(first.cache_creation).toEqual({ ephemeral_5m_input_tokens: prefix, ephemeral_1h_input_tokens: 0 });
    const second = await usage(body);
    expect(second).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: prefix,
      input_tokens: total - prefix,
    });
    // Other messages after the same prefix read it too.
    const other = await usage({
      ...body,
      messages: [
        {
          role: "user",
          content: pack([{ conversationId: "d", messages: [{ id: "v", role: "user", text: "hi" }] }]),
        },
      ],
    });
    expect(other.cache_read_input_tokens).toBe(prefix);
  });

  it("below the model's minimum nothing is cached, silently", async () => {
    const { usage } = await setup();
    for (const [model, minimum] of [
      ["claude-haiku-4-5", 4096],
      ["claude-haiku-4-5-20251001", 4096],
      ["claude-3-5-haiku-20241022", 2048],
      ["claude-3-haiku-20240307", 2048],
      ["claude-opus-4-5", 1024],
    ] as const) {
      expect(cacheMinimumTokens(model)).toBe(minimum);
      const below = cached(model, minimum - TOOL_TOKENS - 1);
      for (let i = 0; i < 2; i++) {
        const u = await usage(below);
        expect(u).toMatchObject({
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          input_tokens: countFakeInputTokens(below),
        });
      }
      const at = cached(model, minimum - TOOL_TOKENS);
      expect((await usage(at)).cache_creation_input_tokens).toBe(minimum);
      expect((await usage(at)).cache_read_input_tokens).toBe(minimum);
    }
  });

  it("an entry lives 5 minutes of the fake's clock, each read renewing it; 1h when asked", async () => {
    const { usage, advance } = await setup();
    const body = cached("claude-opus-4-5", 2000);
    expect((await usage(body)).cache_creation_input_tokens).toBeGreaterThan(0);
    advance(299_000);
    expect((await usage(body)).cache_read_input_tokens).toBeGreaterThan(0);
    advance(299_000);
    expect((await usage(body)).cache_read_input_tokens).toBeGreaterThan(0);
    advance(300_001);
    expect((await usage(body)).cache_creation_input_tokens).toBeGreaterThan(0);
    const hour = factsRequest(PACKED, {
      model: "claude-opus-4-5",
      system: [{ type: "text", text: prompt(2000), cache_control: { type: "ephemeral", ttl: "1h" } }],
    });
    const written = await usage(hour);
    expect(written.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: written.cache_creation_input_tokens,
    });
    advance(3_000_000);
    expect((await usage(hour)).cache_read_input_tokens).toBeGreaterThan(0);
  });

  it("a breakpoint on the last tool caches the tools alone; no breakpoint caches nothing", async () => {
    const { usage } = await setup();
    const bigTool = {
      ...RECORD_FACTS_TOOL,
      description: prompt(1100),
      cache_control: { type: "ephemeral" },
    };
    const body = factsRequest(PACKED, { model: "claude-opus-4-5", tools: [bigTool] });
    const tools = countFakeTokens(JSON.stringify([bigTool]));
    expect((await usage(body)).cache_creation_input_tokens).toBe(tools);
    expect((await usage(body)).cache_read_input_tokens).toBe(tools);
    const plain = factsRequest(PACKED, {
      model: "claude-opus-4-5",
      system: [{ type: "text", text: prompt(3000) }],
    });
    for (let i = 0; i < 2; i++) expect((await usage(plain)).cache_read_input_tokens).toBe(0);
    // A changed prefix is a different entry.
    const changed = cached("claude-opus-4-5", 3000);
    expect((await usage(changed)).cache_creation_input_tokens).toBe(TOOL_TOKENS + 3000);
  });
});
