type Path = (string | number)[];

/** A record as stored: its JSON, plus where its `Date` values were so they come back as `Date`s. */
export interface EncodedRecord {
  /** The record, for `JSON.stringify`. */
  readonly body: unknown;
  readonly datePaths: Path[] | null;
}

/**
 * A record for a `jsonb` column: itself (`JSON.stringify` writes a `Date` as its ISO string, an invalid
 * one as null, and drops `undefined` fields) and the path of every `Date`, so `decodeRecord` returns
 * every field as written. Nothing is copied: one path is kept while walking, and copied only at a
 * `Date` (a unit's records are megabytes, written once).
 */
export function encodeRecord(record: unknown): EncodedRecord {
  const paths: Path[] = [];
  const path: Path = [];
  const walk = (value: unknown): void => {
    if (value instanceof Date) {
      paths.push([...path]);
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
      return;
    }
    for (const key of Object.keys(value)) {
      path.push(key);
      walk((value as Record<string, unknown>)[key]);
      path.pop();
    }
  };
  walk(record);
  return { body: record, datePaths: paths.length > 0 ? paths : null };
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
