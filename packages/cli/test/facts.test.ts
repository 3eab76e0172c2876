import { join } from "node:path";
import { createFakeAnthropic, type FakeAnthropic, generateExportToFile } from "@threadmill/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, jsonLines, runBin, tempDir } from "./helpers.js";

const KEY = "sk-ant-cli-test-k3y-9999";

describe("threadmill import --facts, estimate --facts and export --what facts", () => {
  const dir = tempDir();
  let fake: FakeAnthropic;
  let file: string;
  let planted: { predicate: string; object: string }[];
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    fake = await createFakeAnthropic({ apiKey: KEY });
    env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, THREADMILL_ANTHROPIC_TIER: "4" };
    file = join(dir.path, "conversations.json");
    const truth = await generateExportToFile(file, {
      format: "chatgpt-json",
      seed: 71,
      conversations: 30,
      facts: { perConversation: 2, seed: 71 },
    });
    planted = truth.plantedFacts;
  });
  afterAll(async () => {
    await fake?.close();
    dir.cleanup();
  });

  it("extracts the planted facts in the requests estimate planned, and never prints the key", async () => {
    const store = join(dir.path, "store-a");
    const estimate = await runBin(["estimate", file, "--facts", "--json"], {
      env: { ANTHROPIC_API_KEY: undefined } as never,
    });
    expect(estimate.code, estimate.stderr).toBe(0);
    const planned = JSON.parse(estimate.stdout) as { requests: number; usd: { messages: number } };

    const r = await runBin(["import", file, "--facts", "--store", store, "--json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1) as {
      jobId: string;
      status: string;
      facts: { requests: number; costUsd: number };
    };
    expect(summary.status).toBe("succeeded");
    expect(summary.facts.requests).toBe(planned.requests);
    expect(fake.messageRequestCount()).toBe(planned.requests);
    // The fake counts tokens its own way; how close the estimate's dollars come is measured by
    // `pnpm bench facts`. Here: the same requests, and a figure of the same order.
    expect(planned.usd.messages).toBeGreaterThan(summary.facts.costUsd / 2);
    expect(planned.usd.messages).toBeLessThan(summary.facts.costUsd * 2);

    const exported = await runBin(["export", summary.jobId, "--what", "facts", "--store", store]);
    expect(exported.code, exported.stderr).toBe(0);
    const facts = jsonLines(exported.stdout) as { predicate: string; object: string; sources: unknown[] }[];
    const key = (f: { predicate: string; object: string }) => `${f.predicate}:${f.object.toLowerCase()}`;
    expect(new Set(facts.map(key))).toEqual(new Set(planted.map(key)));
    const md = await runBin(["export", summary.jobId, "--what", "facts", "--format", "md", "--store", store]);
    expect(md.stdout.split("\n").filter((l) => l.startsWith("- **user** ")).length).toBe(facts.length);

    for (const out of [estimate, r, exported, md]) expect(out.stdout + out.stderr).not.toContain(KEY);
  });

  it("stops at --budget-usd, says so, and a re-run with a higher budget goes on without paying twice", async () => {
    const store = join(dir.path, "store-b");
    const before = fake.messageRequestCount();
    const stopped = await runBin(
      ["import", file, "--facts", "--budget-usd", "0.03", "--store", store, "--json"],
      { env },
    );
    expect(stopped.code).toBe(1);
    const first = jsonLines(stopped.stdout).at(-1) as {
      jobId: string;
      status: string;
      facts: { costUsd: number; error: string };
    };
    expect(first.status).toBe("failed");
    expect(first.facts.costUsd).toBeLessThanOrEqual(0.03);
    expect(first.facts.error).toMatch(/budget of .* reached/);
    expect(stopped.stderr).toContain("a higher --budget-usd goes on from where it stopped");

    const resumed = await runBin(
      ["import", file, "--facts", "--budget-usd", "5", "--store", store, "--json"],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const last = jsonLines(resumed.stdout).at(-1) as {
      jobId: string;
      status: string;
      facts: { requests: number };
    };
    expect(last.jobId).toBe(first.jobId);
    expect(last.status).toBe("succeeded");
    // The same requests as the uncapped import above: none was sent twice.
    const estimate = JSON.parse((await runBin(["estimate", file, "--facts", "--json"])).stdout) as {
      requests: number;
    };
    expect(fake.messageRequestCount() - before).toBe(estimate.requests);
    expect(last.facts.requests).toBe(estimate.requests);
  });
});
