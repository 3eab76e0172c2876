// Re-import of a newer export: a generated 100 MB ChatGPT export (REIMPORT_MB), then the same with
// 1 % of its conversations edited and 0.5 % more added, as two real exports of one account would be.
// Per store (memory, Postgres): the newer export imported into an empty store (the baseline) against
// its re-import over the older one; then, with facts through the fake Anthropic server, what the
// re-import sent. Goals: the re-import in at most 15 % of the full import's time, requests only for
// the changed and new conversations, and no stale chunk (the library equals the fresh import's chunks).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createPostgresAdapter, migrate } from "@threadmill/adapter-supabase";
import { createFactsStage } from "@threadmill/core/anthropic";
import {
  type Adapter,
  createImportPipeline,
  createRunner,
  type JsonObject,
  type Pipeline,
} from "@threadmill/core/node";
import {
  collectBytes,
  createFakeAnthropic,
  evolveChatgptExport,
  generateExport,
  generateExportToFile,
} from "@threadmill/testkit";
import postgres from "postgres";
import { defineBenchmark, type Metrics } from "../harness.js";

const DIR = process.env.PARSE_BENCH_DIR ?? "/tmp/threadmill-bench";
const MB = Number(process.env.REIMPORT_MB) || 100;
const TENANT = "bench";
const URL = process.env.TM_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Inputs {
  readonly base: string;
  readonly next: string;
  readonly edited: number;
  readonly added: number;
}

/** The two exports on disk (generated once, then cached), and how many conversations changed. */
async function inputs(): Promise<Inputs> {
  const stem = `${DIR}/reimport-${MB}mb`;
  const meta = `${stem}.meta.json`;
  if (!existsSync(meta)) {
    mkdirSync(DIR, { recursive: true });
    const original = `${stem}.original.json`;
    await generateExportToFile(original, {
      format: "chatgpt-json",
      seed: 120,
      targetBytes: MB * 1e6,
      longConversations: 5,
      facts: { perConversation: 1, seed: 120 },
      truth: "counts",
    });
    const bytes = readFileSync(original);
    const count = (JSON.parse(bytes.toString("utf8")) as unknown[]).length;
    const extra = await collectBytes(
      generateExport({
        format: "chatgpt-json",
        seed: 121,
        conversations: Math.max(1, Math.round(count * 0.005)),
        facts: { perConversation: 1, seed: 121 },
      }).bytes(),
    );
    const evolved = evolveChatgptExport(bytes, { seed: 120, edit: 0.01, addFrom: extra });
    writeFileSync(`${stem}.base.json`, evolved.base);
    writeFileSync(`${stem}.next.json`, evolved.bytes);
    const summary = { edited: evolved.edited.length, added: evolved.added.length };
    writeFileSync(`${meta}.${process.pid}`, JSON.stringify(summary));
    renameSync(`${meta}.${process.pid}`, meta);
  }
  const { edited, added } = JSON.parse(readFileSync(meta, "utf8")) as { edited: number; added: number };
  return { base: `${stem}.base.json`, next: `${stem}.next.json`, edited, added };
}

/** Runs an import of `path` to its end; its seconds and its job. */
async function importFile(store: Adapter, pipeline: Pipeline, path: string, options: JsonObject = {}) {
  const runner = createRunner({ store, pipelines: { import: pipeline }, pollMs: 10 });
  const started = performance.now();
  const { job } = await runner.submit({
    tenant: TENANT,
    pipeline: "import",
    input: { kind: "file", path },
    options,
  });
  for (;;) {
    await runner.work({});
    const now = (await store.jobs.get(TENANT, job.id))!;
    if (now.status === "succeeded") return { seconds: (performance.now() - started) / 1000, job: now };
    if (now.status === "failed") throw new Error(`import failed: ${now.error?.message}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A store of `kind` for one case run, closed (and its schema dropped) by `close`. */
async function openStore(kind: "memory" | "postgres"): Promise<{ store: Adapter; close(): Promise<void> }> {
  if (kind === "memory") return { store: createMemoryAdapter(), close: async () => {} };
  const sql = postgres(URL, { prepare: false, max: 10, onnotice: () => {} });
  const schema = `tm_bench_reimport_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  await migrate(sql, { schema });
  const store = createPostgresAdapter({ sql, schema });
  return {
    store,
    async close() {
      await store.close();
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end({ timeout: 5 });
    },
  };
}

const chunkIdsOf = async (store: Adapter, scope: { library?: boolean; jobId?: string }) => {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.chunks.list(TENANT, { ...scope, limit: 5000, ...(after ? { after } : {}) });
    ids.push(...page.map((c) => c.id));
    if (page.length < 5000) return ids;
    after = page[page.length - 1]!.id;
  }
};

/** The newer export into an empty store: the baseline. */
async function fullImport(kind: "memory" | "postgres"): Promise<Metrics> {
  const { next } = await inputs();
  const { store, close } = await openStore(kind);
  try {
    const { seconds, job } = await importFile(store, createImportPipeline(), next);
    return { seconds, "chunks written": job.counts.chunks ?? 0, "stale chunks": 0 };
  } finally {
    await close();
  }
}

/** The older export, then the newer one over it (timed); stale chunks against a fresh import's. */
async function reimport(kind: "memory" | "postgres"): Promise<Metrics> {
  const { base, next, edited, added } = await inputs();
  const { store, close } = await openStore(kind);
  try {
    await importFile(store, createImportPipeline(), base);
    const { seconds, job } = await importFile(store, createImportPipeline(), next);
    const library = new Set(await chunkIdsOf(store, { library: true }));
    const fresh = createMemoryAdapter();
    const reference = await importFile(fresh, createImportPipeline(), next);
    const expected = new Set(await chunkIdsOf(fresh, { jobId: reference.job.id }));
    const stale = [...library].filter((id) => !expected.has(id)).length;
    const lost = [...expected].filter((id) => !library.has(id)).length;
    if (job.counts.changed !== edited || job.counts.new !== added) {
      throw new Error(
        `counted ${job.counts.changed} changed, ${job.counts.new} new; expected ${edited}, ${added}`,
      );
    }
    return { seconds, "chunks written": job.counts.chunks ?? 0, "stale chunks": stale + lost };
  } finally {
    await close();
  }
}

/** Requests the facts stage sends on the full import and on the re-import, and which conversations. */
async function withFacts(): Promise<Metrics> {
  const { base, next, edited, added } = await inputs();
  const fake = await createFakeAnthropic();
  try {
    const store = createMemoryAdapter();
    const client = new Anthropic({ apiKey: "bench", baseURL: fake.url, maxRetries: 0 });
    const pipeline = {
      stages: [...createImportPipeline().stages, createFactsStage({ store, client, batchPollMs: 10 })],
    };
    await importFile(store, pipeline, base, { facts: true });
    const full = fake.messageRequestCount();
    const from = fake.log.length;
    await importFile(store, pipeline, next, { facts: true });
    const sent = new Set(
      fake.log
        .slice(from)
        .filter((e) => e.kind === "messages")
        .flatMap((e) =>
          [...JSON.stringify(e.body).matchAll(/<conversation id=\\"([^\\]+)\\"/g)].map((m) => m[1]),
        ),
    );
    const requests = fake.messageRequestCount() - full;
    return {
      "facts requests, full import": full,
      "facts requests, re-import": requests,
      "re-import / full requests %": (100 * requests) / full,
      "changed + new conversations %": (100 * (edited + added)) / sent.size || 0,
      "conversations sent": sent.size,
      "changed + new conversations": edited + added,
    };
  } finally {
    await fake.close();
  }
}

export default defineBenchmark({
  description: `re-import of a generated ${MB} MB ChatGPT export with 1 % of its conversations edited and 0.5 % added, against importing it into an empty store; then the facts stage's requests`,
  runs: 3,
  interleave: true,
  baseline: "memory: full import",
  higherIsBetter: { seconds: false, "chunks written": false, "stale chunks": false },
  setup: () => inputs(),
  cases: {
    "memory: full import": { run: () => fullImport("memory") },
    "memory: re-import": { run: () => reimport("memory") },
    "postgres: full import": { run: () => fullImport("postgres") },
    "postgres: re-import": { run: () => reimport("postgres") },
    "memory: facts requests": { run: () => withFacts() },
  },
  pairs: [
    ["memory: re-import", "memory: full import", "seconds"],
    ["postgres: re-import", "postgres: full import", "seconds"],
  ],
  goals: {
    "re-import seconds vs full import (paired)": "<= 0.15x",
    "stale chunks": "0",
    "facts: conversations sent": "= changed + new conversations",
  },
});
