// A runner with the import pipeline and the facts stage, on the memory adapter, against testkit's
// fake Anthropic server through the real SDK: what the facts tests share.
import Anthropic from "@anthropic-ai/sdk";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import {
  createFakeAnthropic,
  type ExportTruth,
  type FakeAnthropic,
  generateExport,
} from "@threadmill/testkit";
import { createFactsStage, type FactsStageOptions } from "../../src/anthropic.js";
import type { Adapter, Fact, JsonObject } from "../../src/index.js";
import {
  createBytesSource,
  createImportPipeline,
  createRunner,
  createSpendLedger,
  type Runner,
} from "../../src/index.js";
import type { RateLimiter } from "../../src/ratelimit/create-rate-limiter.js";

export const TENANT = "tenant-facts";
/** Never printed anywhere: the tests grep every output for it. */
export const API_KEY = "sk-ant-test-5ecr3t-key-0000";

/** A generated export with planted facts and pasted code and logs, as bytes, and its truth. */
export async function factsExport(
  seed: number,
  conversations: number,
): Promise<{ bytes: Uint8Array; truth: ExportTruth }> {
  const generated = generateExport({
    format: "chatgpt-json",
    seed,
    conversations,
    facts: { perConversation: 2, seed },
    pastes: 0.3,
  });
  const parts: Uint8Array[] = [];
  for await (const part of generated.bytes()) parts.push(part);
  return { bytes: new Uint8Array(Buffer.concat(parts)), truth: generated.truth };
}

/** What a facts test holds: the store, the fake, the ledger, and a runner factory. */
export interface FactsSetup {
  readonly store: Adapter;
  readonly fake: FakeAnthropic;
  readonly ledger: ReturnType<typeof createSpendLedger>;
  readonly client: Anthropic;
  /**
   * A runner with the import pipeline and the facts stage; `on` runs it over another view of the
   * store (a faulty one, for kills), with its own ledger on that view.
   */
  runner(
    overrides?: Partial<FactsStageOptions> & { leaseMs?: number; on?: Adapter; reservationTtlMs?: number },
  ): Runner;
  close(): Promise<void>;
}

export async function factsSetup(
  bytes: Uint8Array,
  options: {
    store?: Adapter;
    limiter?: RateLimiter;
    fake?: Parameters<typeof createFakeAnthropic>[0];
    /** More exports, read by jobs whose input names them (`{ kind: "memory", name }`). */
    exports?: Readonly<Record<string, Uint8Array>>;
  } = {},
): Promise<FactsSetup> {
  const store = options.store ?? createMemoryAdapter();
  const fake = await createFakeAnthropic({ apiKey: API_KEY, ...options.fake });
  const client = new Anthropic({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
  const ledger = createSpendLedger({ store: store.spend! });
  return {
    store,
    fake,
    ledger,
    client,
    runner: ({ leaseMs, on, reservationTtlMs, ...overrides } = {}) => {
      const view = on ?? store;
      const viewLedger =
        on || reservationTtlMs
          ? createSpendLedger({ store: view.spend!, ...(reservationTtlMs ? { reservationTtlMs } : {}) })
          : ledger;
      return createRunner({
        store: view,
        pipelines: {
          import: {
            stages: [
              ...createImportPipeline({ batchConversations: 10 }).stages,
              createFactsStage({
                store: view,
                client,
                ledger: viewLedger,
                minTimeoutMs: 5,
                batchPollMs: 20,
                ...(options.limiter ? { limiter: options.limiter } : {}),
                ...overrides,
              }),
            ],
          },
        },
        sources: {
          memory: (ref) => {
            const name = (ref as unknown as { name?: string }).name;
            return createBytesSource(name === undefined ? bytes : options.exports![name]!);
          },
        },
        retry: { minTimeoutMs: 5, maxTimeoutMs: 50 },
        ...(leaseMs ? { leaseMs, renewEveryMs: leaseMs / 3 } : {}),
      });
    },
    close: () => fake.close(),
  };
}

/** Works the job's runner until the job ends (slices until nothing is due, waiting out `wakeAt`s). */
export async function runToEnd(runner: Runner, store: Adapter, jobId: string, maxMs = 60_000): Promise<void> {
  const until = Date.now() + maxMs;
  for (;;) {
    await runner.work({ deadline: Date.now() + 30_000 });
    const job = await store.jobs.get(TENANT, jobId);
    if (!job || ["succeeded", "failed", "cancelled"].includes(job.status)) return;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status} after ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What a clean, uncapped run of the facts stage gave: the reference a faulty or capped run is held to. */
export interface CleanFactsRun {
  readonly facts: Fact[];
  readonly spentMicroUsd: number;
  /** Requests the fake answered (or refused). */
  readonly requests: number;
  /** User message ids in accepted answers. */
  readonly answered: Set<string>;
  /** The message ids each request sent, in order. */
  readonly sent: Set<string>[];
}

/** The message ids a request body sent. */
export function messageIdsOf(body: unknown): Set<string> {
  return new Set([...JSON.stringify(body).matchAll(/<message id=\\"([^\\]+)\\"/g)].map((m) => m[1]!));
}

/** Imports `bytes` and runs the facts stage with `facts` options on a fresh store and fake. */
export async function cleanFactsRun(bytes: Uint8Array, facts: JsonObject): Promise<CleanFactsRun> {
  const s = await factsSetup(bytes);
  try {
    const runner = s.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts },
    });
    await runToEnd(runner, s.store, job.id);
    return {
      facts: await s.store.facts!.list(TENANT, { limit: 10_000 }),
      spentMicroUsd: (await s.ledger.spent({ tenant: TENANT, jobId: job.id })).spent.microUsd,
      requests: s.fake.messageRequestCount(),
      answered: new Set(s.fake.answeredMessageIds()),
      sent: s.fake.log.filter((e) => e.kind === "messages").map((e) => messageIdsOf(e.body)),
    };
  } finally {
    await s.close();
  }
}
