import { onTestFinished } from "vitest";
import type {
  Adapter,
  AdapterCapabilities,
  Chunk,
  Claim,
  Fact,
  JobSpec,
  Lease,
  LibraryVersion,
  NewProgressEvent,
  StoredConversation,
} from "@threadmill/core";

/** What every conformance suite takes: the adapter under test and what it declares it can do. */
export interface AdapterConformanceOptions {
  /** Shown in the suite's title, for example `"redis"`. */
  readonly name: string;
  /**
   * A fresh, isolated adapter per call (its own key prefix or schema), holding no job yet. The suite
   * calls it once per test and closes what it returns.
   */
  readonly create: (options: { readonly eventRetention: number }) => Promise<Adapter>;
  /** What the adapter declares; cases that need a capability it lacks are skipped, naming it. @default {} */
  readonly capabilities?: AdapterCapabilities;
  /**
   * Optional raw read-back: how many storage entries (keys, rows, map entries) of `tenant` the
   * adapter still holds, read around the ports. When given, the purge cases also require it to be 0
   * after a tenant was purged, catching leftovers that no port reads back (seed 004's lesson: read
   * what was really stored). Without it those cases are skipped, naming this option.
   */
  readonly countTenantEntries?: (adapter: Adapter, tenant: string) => Promise<number>;
  /**
   * Whether the adapter must have `facts` (threadmill's own adapters do): then every FactStore case
   * runs and fails without it. Otherwise they run when `create`'s adapter has one, and are skipped,
   * naming `adapter.facts`, when it has none. @default false
   */
  readonly requireFacts?: boolean;
  /**
   * Whether the adapter must have `library` (threadmill's own adapters do): then every LibraryStore
   * case runs and fails without it; otherwise they are skipped when it has none. @default false
   */
  readonly requireLibrary?: boolean;
  /**
   * Whether the adapter must have `admin` (threadmill's own adapters do): then every JobAdmin case
   * runs and fails without it; otherwise they are skipped when it has none. @default false
   */
  readonly requireAdmin?: boolean;
  /**
   * Whether the adapter must have `queue.completeAndClaim` (threadmill's own adapters do): then its
   * cases run and fail without it; otherwise they are skipped when it has none. @default false
   */
  readonly requireCompleteAndClaim?: boolean;
}

/** The default event retention the suites create adapters with. */
export const DEFAULT_RETENTION = 1000;

/** Creates an adapter for the running test and closes it when the test ends. */
export async function openAdapter(
  options: AdapterConformanceOptions,
  eventRetention: number = DEFAULT_RETENTION,
): Promise<Adapter> {
  const adapter = await options.create({ eventRetention });
  onTestFinished(async () => {
    await adapter.close();
  });
  return adapter;
}

let counter = 0;

/** A tenant name unique to this process and call, with characters that break naive key building. */
export function uniqueTenant(label = "t"): string {
  counter += 1;
  return `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}-{ü}:'*`;
}

/** A minimal job spec for `tenant`. */
export function spec(tenant: string, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    tenant,
    pipeline: "import",
    input: { kind: "file", path: "/exports/conversations.json" },
    ...extra,
  };
}

/** Creates a job and claims it by name, returning the claim. */
export async function createAndClaim(
  adapter: Adapter,
  tenant: string,
  leaseMs = 30_000,
  extra: Partial<JobSpec> = {},
): Promise<Claim> {
  const { job } = await adapter.jobs.create(spec(tenant, extra));
  const claim = await adapter.queue.claim("worker-a", leaseMs, { tenant, jobId: job.id });
  if (!claim) throw new Error(`conformance: a fresh job ${job.id} could not be claimed by name`);
  return claim;
}

/** A progress event as a worker would append it under `lease`. */
export function progressEvent(
  lease: Lease | null,
  done: number,
  extra: Partial<NewProgressEvent> = {},
): NewProgressEvent {
  return {
    type: "progress",
    stage: "import",
    done,
    total: 100,
    unit: "conversations",
    attempt: 1,
    epoch: lease?.epoch ?? 0,
    at: Date.now(),
    ...extra,
  };
}

/** Waits `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn`, expecting it to reject with an error whose `name` is `name`; returns that error. */
export async function rejectsWith(
  fn: () => Promise<unknown>,
  name: string,
): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Error && error.name === name) return error as Error & Record<string, unknown>;
    throw new Error(
      `conformance: expected ${name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  throw new Error(`conformance: expected ${name}, but the call succeeded`);
}

/**
 * A conversation that exercises every stored field: Dates with milliseconds, nulls next to values, an
 * optional field present, empty and non-empty arrays, and unicode (astral, combining, RTL, CJK).
 */
export function sampleConversation(id: string, variant = 0): StoredConversation {
  return {
    id,
    source: variant % 2 === 0 ? "chatgpt" : "claude",
    title: variant % 3 === 2 ? null : `Ünïcödé 👩‍💻 title ${variant} — עברית 中文 e\u0301`,
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678 + variant)),
    updatedAt: variant % 3 === 1 ? null : new Date(Date.UTC(2025, 5, 6, 7, 8, 9, 10)),
    model: variant % 2 === 0 ? "gpt-4o" : null,
    instructions:
      variant % 2 === 0 ? null : "Answer briefly.\nUse 'quotes' and \"double\" and \\ backslashes.",
    messages: [
      {
        id: `${id}-m1`,
        role: "user",
        text: "Hello 🌍\n\ttabs, emoji 🧵, surrogate pair 𝄞, and $'; DROP TABLE chunks; --",
        createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 6, 1)),
        attachments: ["photo 1.png", "résumé.pdf"],
      },
      { id: `${id}-m2`, role: "assistant", text: "", createdAt: null, attachments: [] },
    ],
    ...(variant % 2 === 1
      ? {
          branches: [
            {
              id: `${id}-b1`,
              forkMessageId: `${id}-m1`,
              messages: [
                { id: `${id}-m3`, role: "assistant", text: "alt", createdAt: null, attachments: [] },
              ],
            },
            { id: `${id}-b2`, forkMessageId: null, messages: [] },
          ],
        }
      : {}),
  };
}

/** A chunk that exercises every stored field (null and non-null `branchId`, dates, unicode). */
export function sampleChunk(id: string, variant = 0): Chunk {
  return {
    id,
    conversationId: `conv-${variant % 3}`,
    branchId: variant % 2 === 0 ? null : `branch-${variant}`,
    index: variant,
    text: `User: chunk ${variant} 🧵 ünïcödé 中文 עברית\n\nAssistant: ok ${"x".repeat(variant * 7)}`,
    tokens: 17 + variant,
    overlap: variant === 0 ? 0 : 5 + variant,
    messageIds: variant % 3 === 0 ? [] : [`m-${variant}`, `m-${variant + 1}`],
    startAt: variant % 4 === 3 ? null : new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
    endAt: variant % 4 === 3 ? null : new Date(Date.UTC(2024, 2, 1, 0, 0, 0, variant)),
  };
}

/**
 * A fact that exercises every stored field: standing and superseded, one source or several, a
 * fractional confidence next to 0 and 1, Dates with milliseconds, and unicode.
 */
export function sampleFact(id: string, variant = 0): Fact {
  return {
    id,
    subject: variant % 3 === 0 ? "user" : `Zoë 👩‍💻 ${variant}`,
    predicate: ["lives_in", "works_at", "prefers"][variant % 3]!,
    object: `Lisboa ${variant} — עברית 中文 e\u0301 'quotes' "double" \\`,
    confidence: [0.85, 1, 0][variant % 3]!,
    sources: Array.from({ length: 1 + (variant % 3) }, (_, i) => ({
      conversationId: `conv-${variant % 4}`,
      messageId: `m-${variant}-${i}`,
    })),
    firstSeen: new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 1 + variant)),
    lastSeen: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 999 - variant)),
    supersededBy: variant % 2 === 1 ? `f_newer-${variant}` : null,
  };
}

/** A library version with every field set: Dates with milliseconds, null next to values, long lists. */
export function sampleLibraryVersion(id: string, variant = 0): LibraryVersion {
  return {
    id,
    conversationId: `conv-{ü}:'* ${variant % 4}`,
    fingerprint: variant % 3 === 2 ? null : `fp-${variant}`,
    rawHash: variant % 2 === 1 ? null : `raw-${variant}`,
    settings: "s-עברית",
    chunkIds: Array.from({ length: variant % 4 }, (_, i) => `c-${variant}-${i}`),
    messages: variant * 3,
    jobId: `job-${variant}`,
    change: (["new", "changed", "deleted"] as const)[variant % 3]!,
    replacedChunkIds: variant % 2 === 0 ? [] : [`old-${variant}`],
    createdAt: new Date(Date.UTC(2026, 11, 7, 1, 2, 3, 4 + variant)),
  };
}
