import { type RunnerLogger, redactSecrets } from "@threadmill/core";

/**
 * One JSON line per event on stdout, which Render's log stream keeps and searches. Every message
 * goes through the redaction threadmill's errors use, so a URL with a password or a token in an
 * error's text never reaches the logs.
 */
export function log(event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ at: new Date().toISOString(), event, ...fields });
  process.stdout.write(`${redactSecrets(line)}\n`);
}

/**
 * The runner's `logger` on the same JSON lines (pino's call shape: fields, then the message), so
 * what it recovers from (a failed renewal, a store write retried, a lease lost) reaches the logs.
 */
export const runnerLogger: RunnerLogger = {
  debug: () => {},
  info: (fields, message) => log(message, { level: "info", ...fields }),
  warn: (fields, message) => log(message, { level: "warn", ...fields }),
  error: (fields, message) => log(message, { level: "error", ...fields }),
};
