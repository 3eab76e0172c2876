type Path = (string | number)[];

/** A record as stored: plain JSON, plus where its `Date` values were so they come back as `Date`s. */
export interface EncodedRecord {
  readonly body: unknown;
  readonly datePaths: Path[] | null;
}

/**
 * Turns a record into JSON for a `jsonb` column, remembering the path of every `Date` (stored as an
 * ISO string), so `decodeRecord` returns every field as written. `undefined` fields are dropped, as
 * JSON does.
 */
export function encodeRecord(record: unknown): EncodedRecord {
  const paths: Path[] = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (value instanceof Date) {
      paths.push(path);
      return Number.isNaN(value.getTime()) ? null : value.toISOString();
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) out[k] = walk(v, [...path, k]);
      }
      return out;
    }
    return value;
  };
  const body = walk(record, []);
  return { body, datePaths: paths.length > 0 ? paths : null };
}

/** The inverse of `encodeRecord`. */
export function decodeRecord<T>(body: unknown, datePaths: readonly Path[] | null): T {
  if (datePaths) {
    for (const path of datePaths) {
      if (path.length === 0) continue;
      let parent = body as Record<string | number, unknown> | null;
      for (let i = 0; i < path.length - 1 && parent; i++) {
        parent = parent[path[i]!] as Record<string | number, unknown> | null;
      }
      const key = path[path.length - 1]!;
      if (parent && typeof parent[key] === "string") parent[key] = new Date(parent[key] as string);
      else if (parent && parent[key] === null) parent[key] = new Date(Number.NaN);
    }
  }
  return body as T;
}
