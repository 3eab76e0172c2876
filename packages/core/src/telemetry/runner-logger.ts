import { redactSecrets } from "../util/redact.js";
import { serializeError } from "./serialize-error.js";

/**
 * A structured logger, pino-compatible: each method takes the fields first and the message second,
 * as `logger.warn({ err, jobId }, "message")`. A pino logger, or any object with these four methods.
 */
export interface RunnerLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The fields of one log line; `err` is serialized to `{ name, code, message }`, redacted. */
export type LogFields = Readonly<Record<string, unknown>> & { readonly err?: unknown };

/** The runner's side of its logger: redacts every string, serializes errors, and never throws into the worker. */
export type RunnerLog = Record<keyof RunnerLogger, (fields: LogFields, message: string) => void>;

const LEVELS = ["debug", "info", "warn", "error"] as const;
const silent = () => {};

function clean(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === "err" || value instanceof Error) out[key] = serializeError(value);
    else out[key] = typeof value === "string" ? redactSecrets(value) : value;
  }
  return out;
}

/** Wraps the user's `logger` (none: every line is dropped at no cost). */
export function createRunnerLog(logger: RunnerLogger | undefined): RunnerLog {
  const log = {} as Record<(typeof LEVELS)[number], RunnerLog["warn"]>;
  for (const level of LEVELS) {
    log[level] = logger
      ? (fields, message) => {
          try {
            logger[level](clean(fields), redactSecrets(`[threadmill] ${message}`));
          } catch {
            // A throwing logger must not break the worker.
          }
        }
      : silent;
  }
  return log;
}
