import { ProviderError } from "../errors/provider-error.js";
import { ThreadmillError } from "../errors/threadmill-error.js";

/** Statuses worth another try: timeouts, conflicts, 429 (rate limited), 5xx and 529 (overloaded). */
const RETRIABLE = new Set([408, 409, 429]);

/** The SDK's errors for a connection that failed or timed out before an answer (its abort error is not one). */
const CONNECTION_ERRORS = new Set(["APIConnectionError", "APIConnectionTimeoutError"]);

/**
 * Whether a failed send may succeed when sent again: a retriable status, or the SDK's connection
 * errors. A 4xx such as 400 or 401 fails the same way every time; anything else is left to the runner.
 */
export function retriableStatus(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === "number") return RETRIABLE.has(status) || status >= 500;
  return error instanceof Error && CONNECTION_ERRORS.has(error.constructor.name);
}

function header(error: unknown, name: string): string | null {
  const headers = (error as { headers?: unknown } | null)?.headers;
  if (headers && typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  return null;
}

/** How long the provider asked to wait (`retry-after-ms`, else `retry-after` in seconds or as a date), in ms; 0 when it did not. */
export function retryAfterMsOf(error: unknown, now = Date.now()): number {
  const ms = Number(header(error, "retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return Math.min(ms, 60_000);
  const value = header(error, "retry-after");
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds * 1000), 60_000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - now), 60_000) : 0;
}

/**
 * The SDK's error as a `ProviderError` (typed, retriable only when it may pass later, carrying the
 * provider's wait); threadmill's own errors and anything that is not an answer of the API pass as they are.
 */
export function toProviderError(error: unknown): unknown {
  if (ThreadmillError.isInstance(error) || !(error instanceof Error)) return error;
  const status = (error as { status?: unknown }).status;
  const connection = CONNECTION_ERRORS.has(error.constructor.name);
  if (typeof status !== "number" && !connection) return error;
  const body = (error as { error?: { error?: { type?: unknown } } }).error;
  const type = typeof body?.error?.type === "string" ? body.error.type : null;
  return new ProviderError({
    provider: "anthropic",
    status: typeof status === "number" ? status : null,
    type,
    retriable: retriableStatus(error),
    retryAfterMs: retryAfterMsOf(error),
    cause: error,
  });
}
