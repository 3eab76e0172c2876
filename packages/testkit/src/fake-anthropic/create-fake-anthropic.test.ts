import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { countFakeInputTokens } from "./count-fake-tokens.js";
import { createFakeAnthropic, type FakeAnthropic } from "./create-fake-anthropic.js";
import { factsRequest, pack } from "./facts-request.test-helper.js";

const KEY = "sk-ant-test-Zq8Xv2Lm";
let fake: FakeAnthropic;
afterEach(() => fake?.close());

const client = (apiKey = KEY) => new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 });
type Params = Anthropic.MessageCreateParamsNonStreaming;
const create = (body: unknown, c = client()) => c.messages.create(body as Params);
const toolInput = (m: Anthropic.Message) =>
  (m.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock).input;

const PACKED = pack([
  {
    conversationId: "conv-1",
    title: 'Moving "soon" <maybe>',
    messages: [
      { id: "m1", role: "user", text: "hello there. I live in São Paulo.", at: "2024-01-01T10:00:00.000Z" },
      { id: "m2", role: "assistant", text: "Nice! I work at Initech. My son is called Leo." },
      {
        id: "m3",
        role: "user",
        text: "if a < b && c > d then: I work at Barnes & Noble. My daughter is called Inês.",
      },
    ],
  },
  { conversationId: "conv-2", messages: [{ id: "m9", role: "user", text: "nothing to see" }] },
]);

describe("createFakeAnthropic: messages", () => {
  it("answers each planted fact of a user message with its source, and none of assistant messages", async () => {
    fake = await createFakeAnthropic();
    const message = await create(factsRequest(PACKED));
    expect(message.stop_reason).toBe("tool_use");
    expect(message.model).toBe("claude-haiku-4-5");
    expect(toolInput(message)).toEqual({
      facts: [
        {
          subject: "user",
          predicate: "lives_in",
          object: "São Paulo",
          confidence: 0.9,
          sources: [{ conversationId: "conv-1", messageId: "m1" }],
        },
        {
          subject: "user",
          predicate: "works_at",
          object: "Barnes & Noble",
          confidence: 0.9,
          sources: [{ conversationId: "conv-1", messageId: "m3" }],
        },
        {
          subject: "user",
          predicate: "has_child",
          object: "Inês",
          confidence: 0.9,
          sources: [{ conversationId: "conv-1", messageId: "m3" }],
        },
      ],
    });
    expect(message.usage.input_tokens).toBe(countFakeInputTokens(factsRequest(PACKED)));
    expect(message.usage.output_tokens).toBeGreaterThan(20);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    expect(fake.answeredMessageIds()).toEqual(["m1", "m3", "m9"]);
    expect(fake.messageRequestCount()).toBe(1);
    const [entry] = fake.log;
    expect(entry).toMatchObject({
      kind: "messages",
      method: "POST",
      path: "/v1/messages",
      status: 200,
      authorized: true,
      model: "claude-haiku-4-5",
      stopReason: "tool_use",
    });
    expect(entry!.body).toEqual(factsRequest(PACKED));
    expect(entry!.usage).toEqual(message.usage);
  });

  it("is deterministic: the same request gets the same facts and usage", async () => {
    fake = await createFakeAnthropic();
    const a = await create(factsRequest(PACKED));
    const b = await create(factsRequest(PACKED));
    expect(toolInput(b)).toEqual(toolInput(a));
    expect(b.usage).toEqual(a.usage);
    expect(b.id).not.toBe(a.id);
  });

  it("count_tokens counts as the answers do", async () => {
    fake = await createFakeAnthropic();
    const { max_tokens: _, tool_choice: __, ...body } = factsRequest(PACKED);
    const counted = await client().messages.countTokens(body as Anthropic.MessageCountTokensParams);
    expect(counted).toEqual({ input_tokens: countFakeInputTokens(body) });
    expect(fake.log.at(-1)).toMatchObject({ kind: "count_tokens", status: 200 });
  });
});

describe("createFakeAnthropic: authentication", () => {
  it("takes any non-empty key by default, as a Bearer token (SDK 1.12) or x-api-key, and refuses none", async () => {
    fake = await createFakeAnthropic();
    await expect(create(factsRequest(PACKED), client("anything"))).resolves.toBeDefined();
    const raw = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
        body: JSON.stringify(factsRequest(PACKED)),
      });
    expect((await raw({ "x-api-key": "k" })).status).toBe(200);
    const none = await raw({});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect((await raw({ "x-api-key": "" })).status).toBe(401);
    expect((await raw({ authorization: "Bearer " })).status).toBe(401);
    expect(fake.log.map((e) => e.authorized)).toEqual([true, true, false, false, false]);
  });

  it("with options.apiKey takes exactly that key, and the key is never in the log", async () => {
    fake = await createFakeAnthropic({ apiKey: KEY });
    const wrong = await create(factsRequest(PACKED), client(`${KEY}x`)).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((wrong as APIError).type).toBe("authentication_error");
    expect(JSON.stringify((wrong as APIError).error)).not.toContain(KEY);
    await expect(create(factsRequest(PACKED))).resolves.toBeDefined();
    expect(fake.log.map((e) => [e.status, e.authorized])).toEqual([
      [401, false],
      [200, true],
    ]);
    expect(JSON.stringify(fake.log)).not.toContain(KEY.slice(4));
  });

  it("requires the anthropic-version header, as the API does", async () => {
    fake = await createFakeAnthropic();
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k" },
      body: JSON.stringify(factsRequest(PACKED)),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringContaining("anthropic-version") },
    });
  });
});

describe("createFakeAnthropic: request validation", () => {
  const cases: [string, unknown, RegExp][] = [
    ["no max_tokens", { ...factsRequest(PACKED), max_tokens: undefined }, /max_tokens/],
    ["max_tokens 0", factsRequest(PACKED, { max_tokens: 0 }), /max_tokens/],
    ["no model", { ...factsRequest(PACKED), model: undefined }, /model: Field required/],
    ["an unknown field", factsRequest(PACKED, { temprature: 0 }), /temprature: Extra inputs/],
    ["no record_facts tool", factsRequest(PACKED, { tools: [] }), /record_facts/],
    ["tool_choice auto", factsRequest(PACKED, { tool_choice: { type: "auto" } }), /tool_choice/],
    [
      "tool_choice naming a missing tool",
      factsRequest(PACKED, { tool_choice: { type: "tool", name: "x" } }),
      /no tool named "x"/,
    ],
    [
      "thinking with a forced tool",
      factsRequest(PACKED, { thinking: { type: "enabled", budget_tokens: 1024 } }),
      /Thinking/,
    ],
    ["text that is not PACKED", factsRequest("I live in Lisbon."), /not PACKED: line 1/],
    [
      "an unescaped & in message text",
      factsRequest(PACKED.replace("Barnes &amp; Noble", "Barnes & Noble")),
      /unescaped &/,
    ],
    [
      "an empty attribute",
      factsRequest(PACKED.replace('id="conv-2"', 'id="conv-2" title=""')),
      /title is empty/,
    ],
    [
      "an unclosed message",
      factsRequest(PACKED.replace(/<\/message>\n<\/conversation>$/, "</conversation>")),
      /not closed/,
    ],
    ["a bad time", factsRequest(PACKED.replace("2024-01-01T10:00:00.000Z", "yesterday")), /ISO 8601/],
    ["streaming", factsRequest(PACKED, { stream: true }), /stream/],
  ];
  for (const [name, body, message] of cases) {
    it(`answers 400 invalid_request_error for ${name}`, async () => {
      fake = await createFakeAnthropic();
      const error = await create(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as APIError).type).toBe("invalid_request_error");
      expect((error as APIError).apiMessage).toMatch(message);
    });
  }

  it("answers 400 for a strict tool schema using what strict tool use does not support", async () => {
    fake = await createFakeAnthropic();
    const request = factsRequest(PACKED);
    const tool = JSON.parse(JSON.stringify(request.tools![0]));
    tool.input_schema.properties.facts.items.properties.confidence = {
      type: "number",
      minimum: 0,
      maximum: 1,
    };
    const error = await create({ ...request, tools: [tool] }).catch((e: unknown) => e);
    expect((error as APIError).apiMessage).toMatch(/confidence: 'minimum' is not supported/);
    delete tool.input_schema.additionalProperties;
    tool.input_schema.properties.facts.items.properties.confidence = { type: "number" };
    const open = await create({ ...request, tools: [tool] }).catch((e: unknown) => e);
    expect((open as APIError).apiMessage).toMatch(/additionalProperties to false/);
    await expect(create({ ...request, tools: [{ ...tool, strict: false }] })).resolves.toBeDefined();
  });

  it("answers 404 not_found_error for an unknown model and for unknown routes", async () => {
    fake = await createFakeAnthropic();
    const error = await create(factsRequest(PACKED, { model: "gpt-4o" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    const res = await fetch(`${fake.url}/v1/complete`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "1" },
    });
    expect(res.status).toBe(404);
    expect(fake.log.map((e) => [e.kind, e.status, e.errorType])).toEqual([
      ["messages", 404, "not_found_error"],
      ["other", 404, "not_found_error"],
    ]);
    expect(fake.answeredMessageIds()).toEqual([]);
  });
});
