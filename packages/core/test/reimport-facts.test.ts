import { evolveChatgptExport } from "@threadmill/testkit";
import { expect, it } from "vitest";
import { FACT_UNSUPPORTED } from "../src/index.js";
import { factsExport, factsSetup, runToEnd, TENANT } from "./support/facts-setup.js";

/** The conversation ids a request body sent. */
const conversationsSent = (body: unknown) =>
  [...JSON.stringify(body).matchAll(/<conversation id=\\"([^\\]+)\\"/g)].map((m) => m[1]!);

it("a re-import with facts sends only the changed and new conversations, and retires the facts their edits and deletions left unsupported", async () => {
  const [{ bytes: original }, { bytes: extra }] = await Promise.all([
    factsExport(21, 24),
    factsExport(22, 3),
  ]);
  const next = evolveChatgptExport(original, { seed: 21, edit: 0.25, remove: 0.15, addFrom: extra });
  const s = await factsSetup(next.base, { exports: { base: next.base, next: next.bytes } });
  try {
    const runner = s.runner();
    const submit = async (name: string, options: object) => {
      const { job } = await runner.submit({
        tenant: TENANT,
        pipeline: "import",
        input: { kind: "memory", name },
        options: { facts: true, ...options },
      });
      await runToEnd(runner, s.store, job.id);
      return (await s.store.jobs.get(TENANT, job.id))!;
    };
    await submit("base", {});
    const before = await s.store.facts!.list(TENANT, { limit: 10_000 });
    const sentBefore = s.fake.log.length;
    const job = await submit("next", { missing: "delete" });
    expect(job.status).toBe("succeeded");

    const sent = new Set(
      s.fake.log
        .slice(sentBefore)
        .filter((e) => e.kind === "messages")
        .flatMap((e) => conversationsSent(e.body)),
    );
    expect([...sent].sort()).toEqual([...next.edited, ...next.added].sort());

    // Facts only deleted conversations said are kept, marked unsupported; none is deleted.
    const after = await s.store.facts!.list(TENANT, { limit: 10_000 });
    expect(after.length).toBeGreaterThanOrEqual(before.length);
    const removed = new Set(next.removed);
    const onlyRemoved = before.filter((f) => f.sources.every((src) => removed.has(src.conversationId)));
    expect(onlyRemoved.length).toBeGreaterThan(0);
    const byId = new Map(after.map((f) => [f.id, f]));
    for (const f of onlyRemoved) expect(byId.get(f.id)?.supersededBy).toBe(FACT_UNSUPPORTED);
    // No standing fact points into a deleted conversation.
    for (const f of after.filter((x) => x.supersededBy === null)) {
      expect(f.sources.some((src) => removed.has(src.conversationId))).toBe(false);
    }
    expect(job.counts).toMatchObject({ missing: next.removed.length, new: next.added.length });
    expect(job.counts.factsUnsupported).toBeGreaterThanOrEqual(onlyRemoved.length);
    // The library's facts are the tenant's facts.
    expect(await s.store.facts!.count(TENANT, { library: true })).toBe(after.length);
  } finally {
    await s.close();
  }
});
