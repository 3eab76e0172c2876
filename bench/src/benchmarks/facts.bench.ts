// Fact extraction at a known, capped cost: threadmill's facts stage against the design it replaces
// (seed 004: one request per 2,000-token chunk of each whole conversation), both through the real
// SDK against testkit's fake Anthropic server, same model, prices and prompt, on a generated export
// (FACTS_MB, default 100) with planted facts and pasted code and logs. Per case: requests sent,
// input and output tokens as the fake counts them, dollars; for threadmill also the dry-run
// estimate's error against the measured cost, and a run capped at half the measured cost (its
// overshoot must be 0). Counts are deterministic, so one run per case is enough.
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createSpendLedger } from "@threadmill/core";
import { createFactsStage, estimateFacts } from "@threadmill/core/anthropic";
import { createFileSource, createImportPipeline, createRunner, readExport } from "@threadmill/core/node";
import { createFakeAnthropic, generateExportToFile } from "@threadmill/testkit";
import { defineBenchmark, type Metrics } from "../harness.js";
import { runSeedDesign } from "./facts-seed-design.js";

const MB = Number(process.env.FACTS_MB ?? 100);
const DIR = process.env.FACTS_BENCH_DIR ?? "/tmp/threadmill-bench";
/**
 * Answers run about 3x longer than prompts in real chats (LMSYS-Chat-1M: 69.5 tokens per prompt,
 * 214.5 per response), so by default the export is generated so; FACTS_ROLES=same gives both roles
 * the generator's one length range, which shrinks what sending only the person's words saves.
 */
const SAME_LENGTHS = process.env.FACTS_ROLES === "same";
const INPUT = join(DIR, `facts-chatgpt-${MB}mb${SAME_LENGTHS ? "-same" : "-3x"}.json`);
const MODEL = "claude-haiku-4-5";
const TENANT = "bench";

async function ensureInput(): Promise<string> {
  if (existsSync(INPUT)) return INPUT;
  mkdirSync(DIR, { recursive: true });
  const temp = `${INPUT}.${process.pid}.tmp`;
  await generateExportToFile(temp, {
    format: "chatgpt-json",
    seed: 19,
    targetBytes: MB * 1e6,
    truth: "counts",
    facts: { perConversation: 1, seed: 19 },
    pastes: 0.1,
    ...(SAME_LENGTHS ? {} : { messageChars: [20, 600] as const, assistantChars: [60, 1800] as const }),
  });
  renameSync(temp, INPUT);
  return INPUT;
}

/** Imports the export and runs the facts stage on it: what it sent, what the ledger charged, the job's end. */
async function threadmillRun(path: string, facts: Record<string, unknown>, capUsd?: number) {
  const fake = await createFakeAnthropic();
  try {
    const store = createMemoryAdapter();
    const ledger = createSpendLedger({ store: store.spend! });
    const client = new Anthropic({ apiKey: "bench", baseURL: fake.url, maxRetries: 0 });
    const runner = createRunner({
      store,
      pipelines: {
        import: {
          stages: [
            ...createImportPipeline({ threads: 1 }).stages,
            createFactsStage({ store, client, ledger, batchPollMs: 10 }),
          ],
        },
      },
    });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "file", path },
      options: { facts: { model: MODEL, ...facts, ...(capUsd ? { budgetUsd: capUsd } : {}) } },
    });
    for (;;) {
      await runner.work({});
      const now = (await store.jobs.get(TENANT, job.id))!;
      if (now.status === "succeeded" || now.status === "failed") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const done = (await store.jobs.get(TENANT, job.id))!;
    const spent = await ledger.spent({ tenant: TENANT, jobId: job.id });
    const usage = fake.log.filter((e) => e.usage && e.status === 200).map((e) => e.usage!);
    return {
      status: done.status,
      requests: fake.messageRequestCount() + fake.log.filter((e) => e.kind === "batch_item").length,
      inputTokens: usage.reduce((n, u) => n + u.input_tokens, 0),
      outputTokens: usage.reduce((n, u) => n + u.output_tokens, 0),
      spentMicroUsd: spent.spent.microUsd,
      facts: await store.facts!.count(TENANT),
    };
  } finally {
    await fake.close();
  }
}

function seedCase(): Promise<Metrics> {
  return (async () => {
    const path = await ensureInput();
    const fake = await createFakeAnthropic();
    try {
      const seed = await runSeedDesign(path, fake.url, MODEL);
      return {
        requests: seed.requests,
        "input tokens": seed.inputTokens,
        "output tokens": seed.outputTokens,
        "cost $": seed.costMicroUsd / 1e6,
      };
    } finally {
      await fake.close();
    }
  })();
}

async function oursCase(batch: boolean): Promise<Metrics> {
  const path = await ensureInput();
  const facts = batch ? { batch: true, batchSize: 500 } : {};
  const run = await threadmillRun(path, facts);
  if (run.status !== "succeeded") throw new Error(`the facts job ${run.status}`);
  const metrics: Metrics = {
    requests: run.requests,
    "input tokens": run.inputTokens,
    "output tokens": run.outputTokens,
    "cost $": run.spentMicroUsd / 1e6,
    facts: run.facts,
  };
  if (!batch) {
    const estimate = await estimateFacts(readExport(createFileSource(path)), { model: MODEL });
    metrics["estimate error %"] =
      (100 * (estimate.usd.messages - run.spentMicroUsd / 1e6)) / (run.spentMicroUsd / 1e6);
    metrics["estimate requests"] = estimate.requests;
    const capUsd = run.spentMicroUsd / 1e6 / 2;
    const capped = await threadmillRun(path, facts, capUsd);
    metrics["capped at half: overshoot $"] = Math.max(0, capped.spentMicroUsd / 1e6 - capUsd);
    metrics["capped at half: spent / cap"] = capped.spentMicroUsd / 1e6 / capUsd;
  }
  return metrics;
}

const SEED = "seed 004's design: 1 request per 2,000-token chunk";
const MESSAGES = "threadmill facts, Messages API";
const BATCHES = "threadmill facts, Batches";

export default defineBenchmark({
  description: `fact extraction on a generated ${MB} MB ChatGPT export (${SAME_LENGTHS ? "both roles alike" : "answers 3x longer than prompts"}) through the fake Anthropic server: threadmill's facts stage vs one request per 2,000-token chunk (seed 004), same model, prices and prompt`,
  runs: Number(process.env.FACTS_RUNS ?? 1),
  baseline: SEED,
  higherIsBetter: {
    requests: false,
    "input tokens": false,
    "output tokens": false,
    "cost $": false,
  },
  goals: {
    requests: ">= 10x fewer than the seed's design",
    "cost $": ">= 8x cheaper with the Messages API, >= 16x with Batches",
    "estimate error %": "within 15 % of the measured cost",
    "capped at half: overshoot $": "0",
  },
  cases: {
    [SEED]: { run: seedCase },
    [MESSAGES]: { run: () => oursCase(false) },
    [BATCHES]: { run: () => oursCase(true) },
  },
});
