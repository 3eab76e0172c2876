// Two exports of one account (a base and a newer one, edited, switched, trimmed and extended) and a
// runner factory over the import pipeline: what the re-import tests share.
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { collectBytes, type EvolvedExport, evolveChatgptExport, generateExport } from "@threadmill/testkit";
import {
  type Adapter,
  type Chunk,
  createBytesSource,
  createImportPipeline,
  createRunner,
  type Job,
  type JsonObject,
  type Runner,
  type RunnerOptions,
} from "../../src/index.js";

export const TENANT = "tenant-reimport";

/** A base export of `conversations` conversations and a newer one made from it. */
export async function twoExports(seed: number, conversations: number): Promise<EvolvedExport> {
  const generate = (s: number, n: number) =>
    collectBytes(
      generateExport({ format: "chatgpt-json", seed: s, conversations: n, branches: 0.4 }).bytes(),
    );
  const [base, extra] = await Promise.all([generate(seed, conversations), generate(seed + 1000, 4)]);
  return evolveChatgptExport(base, {
    seed,
    edit: 0.15,
    switchBranch: 0.25,
    remove: 0.1,
    addFrom: extra,
  });
}

/** A runner over `store` whose jobs read `bytes` (by `input.name`). */
export function reimportRunner(
  store: Adapter,
  exports: Record<string, Uint8Array>,
  overrides: Partial<RunnerOptions> = {},
): Runner {
  return createRunner({
    store,
    pipelines: { import: createImportPipeline({ batchConversations: 4 }) },
    sources: {
      memory: (ref) => createBytesSource(exports[String((ref as unknown as { name: string }).name)]!),
    },
    leaseMs: 2_000,
    renewEveryMs: 500,
    pollMs: 20,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
    ...overrides,
  });
}

/** Submits an import of `name` and works until it ends; the finished job. */
export async function importNamed(
  store: Adapter,
  runner: Runner,
  name: string,
  options: JsonObject = {},
): Promise<Job> {
  const { job } = await runner.submit({
    tenant: TENANT,
    pipeline: "import",
    input: { kind: "memory", name },
    options,
  });
  await runner.work();
  return (await store.jobs.get(TENANT, job.id))!;
}

/** Every chunk of the tenant's library (or of everything the store holds), by id. */
export async function chunkIds(store: Adapter, scope: { library?: boolean } = {}): Promise<string[]> {
  const chunks = await store.chunks.list(TENANT, { ...scope, limit: 1_000_000 });
  return chunks.map((c) => c.id).sort();
}

/** The chunks of a fresh import of `bytes` into an empty store, per conversation. */
export async function freshChunks(bytes: Uint8Array): Promise<Map<string, Set<string>>> {
  const store = createMemoryAdapter();
  await importNamed(store, reimportRunner(store, { x: bytes }), "x");
  return byConversation(await store.chunks.list(TENANT, { limit: 1_000_000 }));
}

/** Chunk ids per conversation. */
export function byConversation(chunks: readonly Chunk[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of chunks) {
    const set = out.get(c.conversationId) ?? new Set<string>();
    set.add(c.id);
    out.set(c.conversationId, set);
  }
  return out;
}

/** All ids of a per-conversation map, sorted. */
export const flat = (m: Map<string, Set<string>>) => [...m.values()].flatMap((s) => [...s]).sort();

/** Two exports (`twoExports`) and a fresh import's chunks of each, per conversation. */
export async function reimportFixture(seed: number, conversations: number) {
  const exports = await twoExports(seed, conversations);
  const [before, after] = await Promise.all([freshChunks(exports.base), freshChunks(exports.bytes)]);
  return { exports, before, after };
}
