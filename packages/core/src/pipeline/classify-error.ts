import type { JobError } from "../ports/job.js";
import { ExportFormatError } from "../errors/export-format-error.js";
import { ThreadmillError } from "../errors/threadmill-error.js";
import { redactSecrets } from "../util/redact.js";

/** Whether an error may go away when the same unit runs again. */
export type ErrorClass = "retriable" | "fatal";

/**
 * The runner's default classification: `ExportFormatError` and any `ThreadmillError` whose
 * `retriable` is false are fatal (never retried: the same bytes fail the same way); an error carrying
 * a boolean `retriable` field is taken at its word; every other error (network, driver, timeout) is
 * retriable, bounded by `maxAttempts`.
 */
export function classifyError(error: unknown): ErrorClass {
  if (ExportFormatError.isInstance(error)) return "fatal";
  if (ThreadmillError.isInstance(error)) return error.retriable ? "retriable" : "fatal";
  const flag = (error as { retriable?: unknown } | null)?.retriable;
  if (typeof flag === "boolean") return flag ? "retriable" : "fatal";
  return "retriable";
}

/** The `retryAfterMs` an error asks for (a `RateLimitedError`, a provider's 429), or 0. */
export function retryAfterOf(error: unknown): number {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/** The error as stored on a job record: code, name, a redacted message, and its class. */
export function toJobError(error: unknown, errorClass: ErrorClass = classifyError(error)): JobError {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  return {
    code: typeof code === "string" ? code : "UNKNOWN",
    name: err.name || "Error",
    message: redactSecrets(err.message || String(error)),
    retriable: errorClass === "retriable",
  };
}
