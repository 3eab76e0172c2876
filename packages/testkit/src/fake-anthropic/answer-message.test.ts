import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countFakeTokens, FAKE_OUTPUT_OVERHEAD_TOKENS } from "./count-fake-tokens.js";
import { createFakeAnthropic, type FakeAnthropic } from "./create-fake-anthropic.js";
import { factsRequest, pack } from "./facts-request.test-helper.js";

let fake: FakeAnthropic;
let client: Anthropic;
beforeEach(async () => {
  fake = await createFakeAnthropic();
  client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.close());

const CITIES = ["Lisbon", "Kyoto", "Nairobi", "Zürich", "Cape Town", "New Orleans", "Reykjavík", "Porto"];
const PACKED = pack([
  {
    conversationId: "c",
    messages: CITIES.map((city, i) => ({ id: `u${i}`, role: "user" as const, text: `I live in ${city}.` })),
  },
]);
const create = (max_tokens: number) =>
  client.messages.create(factsRequest(PACKED, { max_tokens }) as Anthropic.MessageCreateParamsNonStreaming);
const tool = (m: Anthropic.Message) => m.content[0] as Anthropic.ToolUseBlock;

describe("answerMessage", () => {
  it("output_tokens = tokens of the tool input's JSON + the fixed overhead", async () => {
    const message = await create(4096);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage.output_tokens).toBe(
      countFakeTokens(JSON.stringify(tool(message).input)) + FAKE_OUTPUT_OVERHEAD_TOKENS,
    );
    expect((tool(message).input as { facts: unknown[] }).facts).toHaveLength(8);
  });

  it("an answer past max_tokens is cut to the facts that fit, stop_reason max_tokens, as the API does", async () => {
    const full = (await create(4096)).usage.output_tokens;
    const message = await create(Math.floor(full / 2));
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(Math.floor(full / 2));
    const facts = (tool(message).input as { facts: { object: string }[] }).facts;
    expect(facts.length).toBeGreaterThan(0);
    expect(facts.length).toBeLessThan(8);
    expect(facts.map((f) => f.object)).toEqual(CITIES.slice(0, facts.length));
    expect(fake.answeredMessageIds()).toEqual(CITIES.map((_, i) => `u${i}`));
    expect(fake.log.at(-1)).toMatchObject({ stopReason: "max_tokens", answered: [] });
  });

  it("with room for no fact at all the tool input is empty", async () => {
    const message = await create(10);
    expect(message.stop_reason).toBe("max_tokens");
    expect(tool(message).input).toEqual({});
    expect(message.usage.output_tokens).toBe(10);
  });
});
