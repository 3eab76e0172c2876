import type { Adapter } from "../ports/adapter.js";
import type { StoreCheck } from "../ports/job-admin.js";
import { redactSecrets } from "../util/redact.js";

/** Options of `checkReadiness`. */
export interface ReadinessOptions {
  /** A store that answers slower than this is not ready. @default 2000 */
  readonly timeoutMs?: number;
}

/** What `checkReadiness` found; `ready` is what a health endpoint answers 200 or 503 on. */
export interface Readiness {
  readonly ready: boolean;
  /** How long the store took to answer, in ms. */
  readonly latencyMs: number;
  /** Why it is not ready, with no password, token or signed URL in it. */
  readonly reason?: string;
  /** For a store with schema migrations: how many are applied and how many this version needs. */
  readonly migrations?: { readonly applied: number; readonly expected: number };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function storeCheck(adapter: Adapter): Promise<StoreCheck> {
  if (adapter.admin) return adapter.admin.check();
  // Without the admin port, a read of a job that cannot exist is still a round trip to the store.
  await adapter.jobs.get("~readiness", "~readiness");
  return {};
}

/**
 * Whether a worker or web service can do its job: the store answers within `timeoutMs` and, where it
 * has migrations, all of this version's are applied. Never throws; for a readiness endpoint.
 * @example
 * const r = await checkReadiness(adapter);
 * return Response.json(r, { status: r.ready ? 200 : 503 });
 */
export async function checkReadiness(adapter: Adapter, options: ReadinessOptions = {}): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const { migrations } = await withTimeout(storeCheck(adapter), timeoutMs);
    if (migrations && migrations.applied < migrations.expected) {
      return {
        ready: false,
        latencyMs: elapsed(),
        migrations,
        reason: `${migrations.expected - migrations.applied} of ${migrations.expected} migrations not applied`,
      };
    }
    return { ready: true, latencyMs: elapsed(), ...(migrations ? { migrations } : {}) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ready: false, latencyMs: elapsed(), reason: redactSecrets(message) };
  }
}
