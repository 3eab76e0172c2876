import { CliError } from "./cli-error.js";

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * `30d`, `12h`, `90m`, `45s`, `500ms` or `2w` in milliseconds (a bare number is milliseconds).
 * @throws CliError (exit 2) naming the flag for anything else.
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) {
    throw new CliError(`${flag} takes a duration such as 30d, 12h, 90m or 45s; got "${text}".`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? "ms"]!);
}
