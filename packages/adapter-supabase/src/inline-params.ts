/**
 * Why this exists: postgres.js sends an unprepared statement that has parameters in two round trips
 * (Parse + Describe, wait for the parameter types, then Bind + Execute), and it does not pipeline
 * while it waits. A statement without parameters goes in one (Parse, Bind, Execute, Sync). On the
 * pooler-safe path the adapter therefore writes its parameters into the statement as literals:
 * half the round trips per call, still one unnamed statement (no prepared statement, no session
 * state, and the extended protocol refuses a second statement in the text).
 */

/** Parameter text above which inlining is skipped: a bulk write's one extra round trip is noise. */
const MAX_INLINE_CHARS = 16_384;

/**
 * A parameter as a SQL literal, the same text postgres.js would send for it, quoted as an escape
 * string (`E'...'`, whose meaning does not depend on `standard_conforming_strings`). Untyped like a
 * text parameter: every placeholder in the adapter's SQL carries a cast (`$1::text`, `$2::int`).
 * `undefined` when the value is not a plain scalar, holds a NUL, or cannot fit in `room` characters
 * (then the caller sends parameters): a bulk write's megabytes of JSON are never scanned for nothing.
 */
function literal(value: unknown, room: number): string | undefined {
  if (value === null || value === undefined) return "null";
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (typeof value === "boolean") text = value ? "t" : "f";
  else return undefined;
  // The literal is the text, escaped, and three more characters.
  if (text.length + 3 > room) return undefined;
  if (text.includes("\0")) return undefined;
  return `E'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * `text` with its `$n` placeholders replaced by the literals of `params`, or `null` when that is not
 * safe or not worth it (a non-scalar or large parameter, a dollar-quoted body, a placeholder out of
 * range). Placeholders inside quoted strings, quoted identifiers and comments are left alone.
 */
export function inlineParams(text: string, params: readonly unknown[]): string | null {
  if (params.length === 0) return text;
  const literals: string[] = [];
  let size = 0;
  for (const p of params) {
    const lit = literal(p, MAX_INLINE_CHARS - size);
    if (lit === undefined) return null;
    size += lit.length;
    if (size > MAX_INLINE_CHARS) return null;
    literals.push(lit);
  }
  let out = "";
  let from = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      // A quoted string or identifier; '' and "" are escaped quotes, E'' strings escape with \.
      const escapes = c === "'" && i > 0 && /[eE]/.test(text[i - 1]!);
      i++;
      while (i < n) {
        if (escapes && text[i] === "\\") i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i++;
      }
      if (i >= n) return null;
      i++;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (c === "$") {
      const m = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (!m) return null; // a dollar-quoted body: leave such statements to the server's parser
      if (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]!)) return null;
      const k = Number(m[1]);
      if (k < 1 || k > literals.length) return null;
      out += text.slice(from, i) + literals[k - 1]!;
      i += m[0].length;
      from = i;
    } else {
      i++;
    }
  }
  return out + text.slice(from);
}
