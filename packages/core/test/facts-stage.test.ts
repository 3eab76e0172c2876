import { afterEach, describe, expect, it } from "vitest";
import { estimateFacts } from "../src/anthropic.js";
import { factId } from "../src/index.js";
import {
  API_KEY,
  type FactsSetup,
  factsExport,
  factsSetup,
  runToEnd,
  TENANT,
} from "./support/facts-setup.js";

let t: FactsSetup | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Every text the fake was sent, as one string. */
const sentText = (s: FactsSetup) =>
  s.fake.log
    .filter((e) => e.kind === "messages")
    .map((e) => JSON.stringify(e.body))
    .join("\n");

describe("the facts stage, end to end through the real SDK and the fake server", () => {
  it("finds every planted fact once, merged, with its sources; each user message in exactly one accepted answer", async () => {
    const { bytes, truth } = await factsExport(11, 40);
    t = await factsSetup(bytes);
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { requestTokens: 3000, concurrency: 3 } },
    });
    await runToEnd(runner, t.store, job.id);
    const done = (await t.store.jobs.get(TENANT, job.id))!;
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");

    const facts = await t.store.facts!.list(TENANT, { jobId: job.id, limit: 10_000 });
    const planted = new Map<string, { conversationId: string; messageId: string }[]>();
    for (const p of truth.plantedFacts) {
      const id = factId("user", p.predicate, p.object);
      planted.set(id, [
        ...(planted.get(id) ?? []),
        { conversationId: p.conversationId, messageId: p.messageId },
      ]);
    }
    expect(truth.plantedFacts.length).toBeGreaterThan(40);
    expect(facts.map((f) => f.id).sort()).toEqual([...planted.keys()].sort());
    for (const f of facts) {
      const expected = [
        ...new Map(planted.get(f.id)!.map((s) => [`${s.conversationId}/${s.messageId}`, s])).values(),
      ];
      const key = (s: { conversationId: string; messageId: string }) => `${s.conversationId}\0${s.messageId}`;
      expect(f.sources).toEqual(expected.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
      expect(f.firstSeen.getTime()).toBeLessThanOrEqual(f.lastSeen.getTime());
    }

    // lives_in holds one value at a time: the value seen last stands, the others are kept, superseded by it.
    const homes = facts.filter((f) => f.predicate === "lives_in");
    expect(homes.length).toBeGreaterThan(1);
    const standing = homes.filter((f) => f.supersededBy === null);
    expect(standing).toHaveLength(1);
    const latest = Math.max(...homes.map((f) => f.lastSeen.getTime()));
    expect(standing[0]!.lastSeen.getTime()).toBe(latest);
    for (const f of homes) if (f !== standing[0]) expect(f.supersededBy).toBe(standing[0]!.id);
    expect(facts.filter((f) => f.predicate === "prefers" && f.supersededBy !== null)).toEqual([]);

    // Every user message with text was in exactly one accepted answer; a clean run repeats none.
    const answered = t.fake.answeredMessageIds();
    expect(new Set(answered).size).toBe(answered.length);
    const conversations = await t.store.conversations.list(TENANT, { jobId: job.id, limit: 10_000 });
    const userIds = conversations.flatMap((c) =>
      c.messages.filter((m) => m.role === "user" && m.text.trim()).map((m) => m.id),
    );
    expect(answered.sort()).toEqual(userIds.sort());
    expect(t.fake.messageRequestCount()).toBe(done.counts.factRequests);
    // Many conversations per request, and exactly the requests the dry run planned.
    const estimate = await estimateFacts(conversations, { requestTokens: 3000 });
    expect(t.fake.messageRequestCount()).toBe(estimate.requests);
    expect(estimate.requests).toBeLessThan(estimate.messages / 3);
  });

  it("sends no assistant text and no pasted code or log whole; the key is in no log, error or event", async () => {
    const { bytes, truth } = await factsExport(12, 30);
    t = await factsSetup(bytes);
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { requestTokens: 3000 } },
    });
    await runToEnd(runner, t.store, job.id);
    const sent = sentText(t);
    const conversations = await t.store.conversations.list(TENANT, { jobId: job.id, limit: 10_000 });
    const assistant = conversations.flatMap((c) => c.messages.filter((m) => m.role === "assistant"));
    expect(assistant.length).toBeGreaterThan(10);
    for (const m of assistant) expect(sent).not.toContain(`id=\\"${m.id}\\"`);
    expect(truth.pastes.length).toBeGreaterThan(3);
    for (const paste of truth.pastes) {
      const lines = paste.text.split("\n").filter((l) => l.trim().length > 20);
      // Its start is sent as an excerpt; its end is not.
      expect(sent).not.toContain(JSON.stringify(lines.at(-1)!).slice(1, -1));
    }
    expect(sent).toMatch(/\[(code|log) cut: /);

    const events = [];
    for (let after: string | null = null; ; ) {
      const page = await t.store.events.read(TENANT, job.id, after, { limit: 1000 });
      events.push(...page);
      if (page.length < 1000) break;
      after = page.at(-1)!.id;
    }
    const everything = JSON.stringify({
      log: t.fake.log,
      events,
      job: await t.store.jobs.get(TENANT, job.id),
    });
    expect(everything).not.toContain(API_KEY);
  });

  it("charges the ledger exactly what the answers cost, and the job's counts say the same", async () => {
    const { bytes } = await factsExport(13, 20);
    t = await factsSetup(bytes);
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { requestTokens: 2500 } },
    });
    await runToEnd(runner, t.store, job.id);
    const done = (await t.store.jobs.get(TENANT, job.id))!;
    const spent = await t.ledger.spent({ tenant: TENANT, jobId: job.id });
    expect(spent.reserved).toEqual({ microUsd: 0, tokens: 0 });
    const usage = t.fake.log.filter((e) => e.kind === "messages" && e.usage).map((e) => e.usage!);
    const expected = usage.reduce((n, u) => n + Math.ceil(u.input_tokens * 1 + u.output_tokens * 5), 0);
    expect(spent.spent.microUsd).toBe(expected);
    expect(done.counts.factCostMicroUsd).toBe(expected);
  });

  it("leaves jobs without facts alone", async () => {
    const { bytes } = await factsExport(14, 5);
    t = await factsSetup(bytes);
    const runner = t.runner();
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    await runToEnd(runner, t.store, job.id);
    expect((await t.store.jobs.get(TENANT, job.id))!.status).toBe("succeeded");
    expect(t.fake.log).toEqual([]);
    expect(await t.store.facts!.count(TENANT)).toBe(0);
  });
});
