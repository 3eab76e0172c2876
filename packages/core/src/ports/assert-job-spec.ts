import type { Checkpoint } from "./checkpoint-store.js";
import type { JobSpec } from "./job.js";

const PRIORITY_LIMIT = 2 ** 31;

/**
 * Checks a job spec before an adapter stores it, the same way in every adapter: non-empty `tenant`,
 * `pipeline` and keys, a `SourceRef` with a `kind`, an integer `priority` within ±2^31, an integer
 * `maxAttempts` >= 1 and a finite `runAt`.
 * @throws TypeError or RangeError naming the adapter and the field.
 */
export function assertJobSpec(spec: JobSpec, adapter: string): void {
  const invalid = (message: string, kind: "type" | "range" = "type"): never => {
    const text = `[threadmill] [${adapter}] invalid job spec: ${message}`;
    throw kind === "type" ? new TypeError(text) : new RangeError(text);
  };
  if (typeof spec !== "object" || spec === null) invalid("a job spec object is required.");
  for (const key of ["tenant", "pipeline"] as const) {
    if (typeof spec[key] !== "string" || spec[key] === "") invalid(`${key} must be a non-empty string.`);
  }
  if (typeof spec.input !== "object" || spec.input === null || typeof spec.input.kind !== "string") {
    invalid("input must be a SourceRef ({ kind, ... }).");
  }
  for (const key of ["idempotencyKey", "singletonKey"] as const) {
    const value = spec[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      invalid(`${key} must be a non-empty string when given.`);
    }
  }
  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > PRIORITY_LIMIT) {
    invalid(`priority must be an integer between -2^31 and 2^31, got ${priority}.`, "range");
  }
  const maxAttempts = spec.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    invalid(`maxAttempts must be an integer >= 1, got ${maxAttempts}.`, "range");
  }
  if (spec.runAt !== undefined && !Number.isFinite(spec.runAt)) {
    invalid(`runAt must be epoch milliseconds, got ${spec.runAt}.`, "range");
  }
}

/**
 * Checks a checkpoint's shape before an adapter saves it.
 * @throws TypeError naming the adapter.
 */
export function assertCheckpoint(checkpoint: Checkpoint, adapter: string): void {
  if (
    typeof checkpoint !== "object" ||
    checkpoint === null ||
    typeof checkpoint.stage !== "string" ||
    typeof checkpoint.cursors !== "object" ||
    checkpoint.cursors === null ||
    !Array.isArray(checkpoint.completed) ||
    typeof checkpoint.counts !== "object" ||
    checkpoint.counts === null
  ) {
    throw new TypeError(`[threadmill] [${adapter}] a checkpoint needs stage, cursors, completed and counts`);
  }
}
