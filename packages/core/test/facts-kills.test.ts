import { simulateServerless } from "@threadmill/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { cleanFactsRun, type FactsSetup, factsExport, factsSetup, TENANT } from "./support/facts-setup.js";

let t: FactsSetup | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const FACTS = { requestTokens: 2500, concurrency: 2 };
const TTL_MS = 400;

/** A seeded generator of kill points: [0, 1) floats. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("the facts stage under kills and serverless slices", () => {
  for (const seed of [1, 2, 3]) {
    it(`kills at random store calls and short slices (seed ${seed}): the same facts, every message answered, resends bounded by what was in flight`, async () => {
      const { bytes } = await factsExport(50 + seed, 20);
      const reference = await cleanFactsRun(bytes, FACTS);
      t = await factsSetup(bytes);
      const s = t;
      const { job } = await s.runner().submit({
        tenant: TENANT,
        pipeline: "import",
        input: { kind: "memory" },
        options: { facts: FACTS },
      });
      const random = prng(seed);
      const sim = await simulateServerless({
        store: s.store,
        createRunner: (view) => s.runner({ on: view, leaseMs: 300, reservationTtlMs: TTL_MS }),
        sliceMs: (n) => [250, 600, 1500][n % 3]!,
        killAt: (n) =>
          n < 6 ? { call: 5 + Math.floor(random() * 60), when: random() < 0.5 ? "before" : "after" } : null,
        intervalMs: 20,
        done: async () => (await s.store.jobs.get(TENANT, job.id))?.status === "succeeded",
        maxInvocations: 200,
      });
      expect(sim.finished).toBe(true);
      expect(sim.killed).toBeGreaterThan(0);

      const facts = await s.store.facts!.list(TENANT, { limit: 10_000 });
      expect(facts).toEqual(reference.facts);
      const answered = s.fake.answeredMessageIds();
      expect(new Set(answered)).toEqual(reference.answered);
      // A killed invocation can lose at most the requests it had in flight.
      const resent = s.fake.messageRequestCount() - reference.requests;
      expect(resent).toBeLessThanOrEqual(sim.killed * FACTS.concurrency);

      // Once the dead workers' reservations expire, they are charged in full, never refunded: the
      // ledger holds at least every answer the fake gave.
      await new Promise((r) => setTimeout(r, TTL_MS + 100));
      const spent = await s.ledger.spent({ tenant: TENANT, jobId: job.id });
      expect(spent.reserved.microUsd).toBe(0);
      const billed = s.fake.log
        .filter((e) => e.kind === "messages" && e.usage && e.status === 200)
        .reduce((n, e) => n + e.usage!.input_tokens + 5 * e.usage!.output_tokens, 0);
      expect(spent.spent.microUsd).toBeGreaterThanOrEqual(billed);
      // ...and at most that plus the full reservations of what the kills had in flight (under
      // $0.05 each here: 8,192 output tokens at $5 / MTok and a 2,500-token request at the cache
      // write price), never a reservation of a request that was not sent.
      expect(spent.spent.microUsd).toBeLessThanOrEqual(billed + sim.killed * FACTS.concurrency * 50_000);
    });
  }
});
