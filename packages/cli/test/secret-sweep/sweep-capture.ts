// What the secret sweep collects (CLI output, logger calls, errors, events, job errors) and how it
// looks for the secrets in it.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";

/** The secrets in play, random per run, each distinctive enough to be found anywhere. */
export interface SweepSecrets {
  readonly redisPassword: string;
  readonly wrongRedisPassword: string;
  readonly postgresPassword: string;
  readonly anthropicKey: string;
  readonly wrongAnthropicKey: string;
  readonly token: string;
  readonly wrongToken: string;
}

const hex = () => randomBytes(8).toString("hex");

export function createSecrets(): SweepSecrets {
  const redisPassword = `rp-${hex()}`;
  return {
    redisPassword,
    wrongRedisPassword: `wrong-${hex()}-${redisPassword}`,
    postgresPassword: `pp-${hex()}`,
    anthropicKey: `sk-ant-api03-${hex()}`,
    wrongAnthropicKey: `sk-ant-api03-${hex()}`,
    token: `tok-${hex()}`,
    wrongToken: `tok-${hex()}`,
  };
}

/** The strings none of the output may hold: each secret, its random part, its URL-encoded and base64 forms. */
export function needlesOf(secrets: SweepSecrets): { name: string; text: string }[] {
  const out = new Map<string, string>();
  for (const [name, secret] of Object.entries(secrets)) {
    out.set(secret, name);
    out.set(encodeURIComponent(secret), `${name} (URL-encoded)`);
    out.set(Buffer.from(secret).toString("base64").replace(/=+$/, ""), `${name} (base64)`);
    // The random part alone: a leak that cut the secret's prefix off still shows.
    for (const part of secret.match(/[0-9a-f]{16}/g) ?? []) out.set(part, `${name} (random part)`);
  }
  return [...out].map(([text, name]) => ({ name, text }));
}

/** JSON of anything: cycles, bigints and functions do not stop it. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    });
  } catch (error) {
    return `[unserializable: ${(error as Error).message}]`;
  }
}

/**
 * An error as any logger could print it: message, stack, JSON of its fields, `util.inspect` (what
 * `console.error(error)` shows), and the same for each cause and each error of an `AggregateError`.
 */
export function dumpError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (depth > 10 || seen.has(e)) return;
    seen.add(e);
    if (typeof e !== "object" || e === null) {
      parts.push(String(e));
      return;
    }
    const { message, stack, cause, errors } = e as {
      message?: unknown;
      stack?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof message === "string") parts.push(message);
    if (typeof stack === "string") parts.push(stack);
    parts.push(safeJson(e), inspect(e, { depth: 10 }));
    if (cause !== undefined) visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return parts.join("\n");
}

/** One thing captured: where it came from and its text. */
export interface Captured {
  readonly source: string;
  readonly text: string;
}

/** A pino-compatible logger (`(fields, message)`), as `createRunner`'s `logger` takes it. */
export interface CapturingLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Everything the sweep looks through. */
export class SweepCapture {
  readonly items: Captured[] = [];

  add(source: string, text: string): void {
    this.items.push({ source, text });
  }

  addError(source: string, error: unknown): void {
    this.add(source, dumpError(error));
  }

  /** How many items came from sources starting with `prefix`. */
  count(prefix: string): number {
    return this.items.filter((i) => i.source.startsWith(prefix)).length;
  }

  /** All the text captured from sources starting with `prefix`. */
  text(prefix: string): string {
    return this.items
      .filter((i) => i.source.startsWith(prefix))
      .map((i) => i.text)
      .join("\n");
  }

  /** A logger writing every call here (the fields as JSON and as `util.inspect` prints them). */
  logger(source: string): CapturingLogger {
    const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
      this.add(`${source} ${level}`, `${message}\n${safeJson(fields)}\n${inspect(fields, { depth: 10 })}`);
    return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
  }

  /** Every place a needle occurs, with the text around it (the needle itself replaced by its name). */
  leaks(needles: readonly { name: string; text: string }[]): string[] {
    const found: string[] = [];
    for (const { source, text } of this.items) {
      for (const needle of needles) {
        const at = text.indexOf(needle.text);
        if (at < 0) continue;
        const around = text
          .slice(Math.max(0, at - 160), at + needle.text.length + 80)
          .split(needle.text)
          .join(`<${needle.name}>`);
        found.push(`${source}: ${needle.name} in …${around}…`);
      }
    }
    return found;
  }
}
