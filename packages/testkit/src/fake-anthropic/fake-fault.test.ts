import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeAnthropic, type FakeAnthropic } from "./create-fake-anthropic.js";
import { factsRequest, pack } from "./facts-request.test-helper.js";

let fake: FakeAnthropic;
let client: Anthropic;
beforeEach(async () => {
  fake = await createFakeAnthropic();
  client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.close());

const PACKED = pack([
  {
    conversationId: "c1",
    messages: [
      { id: "u1", role: "user", text: "I live in Kyoto. I work at Globex." },
      { id: "u2", role: "user", text: "I prefer green tea. I'm working on a compiler." },
    ],
  },
]);
const create = () =>
  client.messages.create(factsRequest(PACKED) as Anthropic.MessageCreateParamsNonStreaming);
/** The error the next request throws; fails the test when it succeeds. */
async function fail(): Promise<APIError> {
  const message = await create().catch((e: unknown) => e as APIError);
  if (!(message instanceof Error))
    throw new Error(`expected an error, got stop_reason ${message.stop_reason}`);
  return message;
}
const input = (m: Anthropic.Message) =>
  (m.content[0] as Anthropic.ToolUseBlock).input as { facts?: unknown[] };

describe("fake faults through the SDK", () => {
  it("rate_limit: a RateLimitError whose retry-after header the SDK exposes", async () => {
    fake.fail(1, { kind: "rate_limit", retryAfterS: 7 });
    const error = await fail();
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_error");
    expect(error.headers?.get("retry-after")).toBe("7");
    expect(error.requestID).toMatch(/^req_fake_/);
    expect(fake.log[0]).toMatchObject({
      status: 429,
      errorType: "rate_limit_error",
      fault: { kind: "rate_limit" },
    });
  });

  it("overloaded: 529, an InternalServerError (the SDK's OverloadedError)", async () => {
    fake.fail(1, { kind: "overloaded" });
    const error = await fail();
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(529);
    expect(error.type).toBe("overloaded_error");
  });

  it("server: 500 api_error, an InternalServerError", async () => {
    fake.fail(1, { kind: "server" });
    const error = await fail();
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(500);
    expect(error.type).toBe("api_error");
  });

  it("the SDK's own retries obey retry-after and then get the answer", async () => {
    fake.fail(2, { kind: "rate_limit", retryAfterS: 0.05 });
    const retrying = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 2 });
    const started = performance.now();
    const message = await retrying.messages.create(
      factsRequest(PACKED) as Anthropic.MessageCreateParamsNonStreaming,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(message.stop_reason).toBe("tool_use");
    expect(fake.log.map((e) => e.status)).toEqual([429, 429, 200]);
  });

  it("max_tokens: stop_reason max_tokens, output_tokens = max_tokens, a prefix of the facts", async () => {
    fake.fail(1, { kind: "max_tokens" });
    const message = await create();
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(4096);
    expect(input(message).facts).toHaveLength(2);
    expect(fake.answeredMessageIds()).toEqual([]);
  });

  it("invalid: a tool_use whose input breaks the contract's schema", async () => {
    fake.fail(1, { kind: "invalid" });
    const message = await create();
    expect(message.stop_reason).toBe("tool_use");
    const [fact] = input(message).facts as Record<string, unknown>[];
    expect(fact).not.toHaveProperty("object");
    expect(typeof fact!.confidence).not.toBe("number");
    expect(fake.answeredMessageIds()).toEqual([]);
  });

  it("refusal: stop_reason refusal with stop_details, no tool_use", async () => {
    fake.fail(1, { kind: "refusal" });
    const message = await create();
    expect(message.stop_reason).toBe("refusal");
    expect(message.stop_details).toEqual({ type: "refusal", category: null, explanation: null });
    expect(message.content).toEqual([]);
  });

  it("text: a text block and no tool_use", async () => {
    fake.fail(1, { kind: "text" });
    const message = await create();
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content.map((b) => b.type)).toEqual(["text"]);
  });

  it("slow: the real answer after the delay, or a timeout the SDK reports (logged 499, not answered)", async () => {
    fake.fail(2, { kind: "slow", delayMs: 300 });
    const started = performance.now();
    const message = await create();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(input(message).facts).toHaveLength(4);
    const error = await client.messages
      .create(factsRequest(PACKED) as Anthropic.MessageCreateParamsNonStreaming, { timeout: 50 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.log.map((e) => e.status)).toEqual([200, 499]);
    expect(fake.answeredMessageIds()).toEqual(["u1", "u2"]);
  });

  it("fail(count) fails exactly the next count requests, in the order queued", async () => {
    fake.fail(2, { kind: "server" });
    fake.fail(1, { kind: "overloaded" });
    expect(fake.pendingFaults()).toBe(3);
    const statuses: unknown[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        await create().then(
          (m) => m.stop_reason,
          (e: APIError) => e.status,
        ),
      );
    expect(statuses).toEqual([500, 500, 529, "tool_use"]);
    expect(fake.pendingFaults()).toBe(0);
    fake.fail(5, { kind: "server" });
    fake.clearFaults();
    expect((await create()).stop_reason).toBe("tool_use");
  });

  it("faults meant for batches leave /v1/messages alone, and invalid requests do not consume faults", async () => {
    fake.fail(1, { kind: "server" }, { where: "batch" });
    expect((await create()).stop_reason).toBe("tool_use");
    expect(fake.pendingFaults("batch")).toBe(1);
    fake.fail(1, { kind: "server" });
    const bad = await client.messages
      .create({ ...factsRequest(PACKED), tools: [] } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: APIError) => e.status);
    expect(bad).toBe(400);
    expect(fake.pendingFaults()).toBe(1);
  });
});
