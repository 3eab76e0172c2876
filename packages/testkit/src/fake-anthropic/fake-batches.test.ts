import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFakeAnthropic,
  type FakeAnthropic,
  type FakeAnthropicOptions,
} from "./create-fake-anthropic.js";
import { factsRequest, pack } from "./facts-request.test-helper.js";

let fake: FakeAnthropic;
afterEach(() => fake.close());

type Params = Anthropic.MessageCreateParamsNonStreaming;
type Result = Anthropic.Messages.MessageBatchIndividualResponse;
const CITIES = ["Lisbon", "Kyoto", "Nairobi", "Zürich", "Porto", "Reykjavík"];
const requests = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `req-${i}`,
    params: factsRequest(
      pack([
        {
          conversationId: `c${i}`,
          messages: [{ id: `m${i}`, role: "user", text: `I live in ${CITIES[i % 6]}.` }],
        },
      ]),
    ) as Params,
  }));

async function setup(options: FakeAnthropicOptions = {}) {
  fake = await createFakeAnthropic(options);
  return new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
}
async function collect(client: Anthropic, id: string): Promise<Result[]> {
  const out: Result[] = [];
  for await (const r of await client.messages.batches.results(id)) out.push(r);
  return out;
}

describe("fake Message Batches through the SDK", () => {
  it("lists batches newest first, as the SDK pages them", async () => {
    const client = await setup();
    const first = await client.messages.batches.create({ requests: requests(1) });
    const second = await client.messages.batches.create({ requests: requests(2) });
    const page = await client.messages.batches.list({ limit: 10 });
    expect(page.data.map((b) => [b.id, b.request_counts.processing])).toEqual([
      [second.id, 2],
      [first.id, 1],
    ]);
    expect((await client.messages.batches.list({ limit: 1 })).data.map((b) => b.id)).toEqual([second.id]);
    // Auto-paging one by one walks every batch once (after_id).
    const seen: string[] = [];
    for await (const b of client.messages.batches.list({ limit: 1 })) seen.push(b.id);
    expect(seen).toEqual([second.id, first.id]);
    expect(fake.log.filter((e) => e.kind === "batch_list").length).toBeGreaterThanOrEqual(4);
  });

  it("create, poll until ended, read every result with its facts; results_url is absolute under the fake", async () => {
    const client = await setup();
    const created = await client.messages.batches.create({ requests: requests(4) });
    expect(created).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      results_url: null,
      request_counts: { processing: 4, succeeded: 0, errored: 0, expired: 0, canceled: 0 },
    });
    expect(created.id).toMatch(/^msgbatch_/);
    expect((await client.messages.batches.retrieve(created.id)).processing_status).toBe("in_progress");
    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.results_url).toBe(`${fake.url}/v1/messages/batches/${created.id}/results`);
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 4,
      errored: 0,
      expired: 0,
      canceled: 0,
    });
    expect(ended.ended_at).not.toBeNull();
    const results = await collect(client, created.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["req-0", "req-1", "req-2", "req-3"]);
    for (const r of results) {
      const i = Number(r.custom_id.slice(4));
      expect(r.result.type).toBe("succeeded");
      const message = (r.result as Anthropic.Messages.MessageBatchSucceededResult).message;
      expect(message.usage.service_tier).toBe("batch");
      expect((message.content[0] as Anthropic.ToolUseBlock).input).toEqual({
        facts: [
          {
            subject: "user",
            predicate: "lives_in",
            object: CITIES[i],
            confidence: 0.9,
            sources: [{ conversationId: `c${i}`, messageId: `m${i}` }],
          },
        ],
      });
    }
    expect(fake.batchIds()).toEqual([created.id]);
    expect(fake.messageRequestCount()).toBe(0);
    expect(fake.answeredMessageIds().sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(fake.log.filter((e) => e.kind === "batch_item").map((e) => e.customId)).toEqual([
      "req-0",
      "req-1",
      "req-2",
      "req-3",
    ]);
  });

  it("results() of a batch still in progress fails in the SDK (no results_url); a raw GET gets 404", async () => {
    const client = await setup({ batches: { pollsUntilEnded: 3 } });
    const { id } = await client.messages.batches.create({ requests: requests(1) });
    await expect(client.messages.batches.results(id)).rejects.toThrow(/No batch `results_url`/);
    const raw = await fetch(`${fake.url}/v1/messages/batches/${id}/results`, {
      headers: { "x-api-key": "k", "anthropic-version": "1" },
    });
    expect(raw.status).toBe(404);
    for (let i = 0; i < 2; i++)
      expect((await client.messages.batches.retrieve(id)).processing_status).toBe("in_progress");
    expect((await client.messages.batches.retrieve(id)).processing_status).toBe("ended");
  });

  it("endAfterMs waits for the fake's clock as well as the polls", async () => {
    let now = 1_000_000;
    const client = await setup({ now: () => now, batches: { pollsUntilEnded: 0, endAfterMs: 60_000 } });
    const { id } = await client.messages.batches.create({ requests: requests(1) });
    expect((await client.messages.batches.retrieve(id)).processing_status).toBe("in_progress");
    now += 60_000;
    expect((await client.messages.batches.retrieve(id)).processing_status).toBe("ended");
  });

  it("results come shuffled (seeded, so the same every run), or in order with shuffle: false", async () => {
    const order = async (options: FakeAnthropicOptions) => {
      const client = await setup({ batches: { pollsUntilEnded: 0, ...options.batches } });
      const { id } = await client.messages.batches.create({ requests: requests(12) });
      await client.messages.batches.retrieve(id);
      const ids = (await collect(client, id)).map((r) => r.custom_id);
      await fake.close();
      return ids;
    };
    const inOrder = requests(12).map((r) => r.custom_id);
    const a = await order({});
    expect(a).not.toEqual(inOrder);
    expect([...a].sort()).toEqual([...inOrder].sort());
    expect(await order({})).toEqual(a);
    expect(await order({ batches: { seed: 99 } })).not.toEqual(a);
    expect(await order({ batches: { shuffle: false } })).toEqual(inOrder);
    fake = await createFakeAnthropic();
  });

  it("the outcome knob makes requests errored or expired; batch faults make them errored; bad params are errored", async () => {
    const client = await setup({
      batches: {
        pollsUntilEnded: 0,
        shuffle: false,
        outcome: (id) => (id === "req-1" ? "errored" : id === "req-2" ? "expired" : "succeeded"),
      },
    });
    fake.fail(1, { kind: "overloaded" }, { where: "batch" });
    fake.fail(1, { kind: "max_tokens" }, { where: "batch" });
    const list = requests(6);
    list[5] = { custom_id: "req-5", params: { ...list[5]!.params, tools: [] } };
    const { id } = await client.messages.batches.create({ requests: list });
    const ended = await client.messages.batches.retrieve(id);
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 2,
      errored: 3,
      expired: 1,
      canceled: 0,
    });
    const results = await collect(client, id);
    expect(results.map((r) => r.result.type)).toEqual([
      "errored",
      "errored",
      "expired",
      "succeeded",
      "succeeded",
      "errored",
    ]);
    const errorType = (r: Result) =>
      (r.result as Anthropic.Messages.MessageBatchErroredResult).error.error.type;
    expect(errorType(results[0]!)).toBe("overloaded_error");
    expect(errorType(results[1]!)).toBe("api_error");
    expect(errorType(results[5]!)).toBe("invalid_request_error");
    expect((results[3]!.result as Anthropic.Messages.MessageBatchSucceededResult).message.stop_reason).toBe(
      "max_tokens",
    );
    expect(fake.answeredMessageIds()).toEqual(["m4"]);
    expect(fake.pendingFaults("batch")).toBe(0);
  });

  it("cancel: canceling, then ended with every request canceled", async () => {
    const client = await setup({ batches: { pollsUntilEnded: 5 } });
    const { id } = await client.messages.batches.create({ requests: requests(3) });
    const canceling = await client.messages.batches.cancel(id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const ended = await client.messages.batches.retrieve(id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts.canceled).toBe(3);
    expect((await collect(client, id)).map((r) => r.result.type)).toEqual([
      "canceled",
      "canceled",
      "canceled",
    ]);
    expect(fake.answeredMessageIds()).toEqual([]);
  });

  it("every batch created is in the log; bad batches are refused with 400 and create none", async () => {
    const client = await setup();
    const bad = [
      { requests: [] },
      { requests: [{ custom_id: "a b", params: requests(1)[0]!.params }] },
      { requests: [requests(1)[0]!, requests(1)[0]!] },
    ];
    for (const body of bad) {
      await expect(
        client.messages.batches.create(body as Anthropic.Messages.BatchCreateParams),
      ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    }
    await client.messages.batches.create({ requests: requests(2) });
    await client.messages.batches.create({ requests: requests(2) });
    expect(fake.batchIds()).toHaveLength(2);
    expect(fake.log.filter((e) => e.kind === "batch_create").map((e) => e.status)).toEqual([
      400, 400, 400, 200, 200,
    ]);
    await expect(client.messages.batches.retrieve("msgbatch_nope")).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});
