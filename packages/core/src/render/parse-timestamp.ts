/**
 * Reads an export timestamp: epoch seconds (ChatGPT floats), epoch milliseconds (numbers above
 * 1e11), numeric strings, ISO 8601 strings (Claude, API copies), or `null`/absent. Returns `null` for
 * a missing value and `undefined` for a value present but unreadable (the caller reports it).
 */
export function parseTimestamp(value: unknown): Date | null | undefined {
  const ms = timestampMs(value);
  if (ms === null || ms === undefined) return ms;
  return new Date(ms);
}

/** `parseTimestamp` as epoch milliseconds (whole, as `Date` keeps them), without allocating a `Date`. */
export function timestampMs(value: unknown): number | null | undefined {
  if (value === null || value === undefined || value === "") return null;
  let ms: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    ms = Math.abs(value) >= 1e11 ? value : value * 1000;
  } else if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(trimmed)) return timestampMs(Number(trimmed));
    ms = Date.parse(trimmed);
  } else {
    return undefined;
  }
  // Date's own range (±8.64e15 ms) and truncation to whole milliseconds.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return Math.trunc(ms);
}
