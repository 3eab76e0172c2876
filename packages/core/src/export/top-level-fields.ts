const decoder = new TextDecoder();

/** The value `readTopLevelFields` returns for a wanted key whose value is an object or array. */
export const NESTED: unique symbol = Symbol("nested");

/**
 * Reads the primitive values (string, number, boolean, null) of the wanted top-level keys of one
 * JSON object's bytes, skipping nested values without parsing them: the cheap first pass over shards
 * (ids and update times) that must not pay for message bodies. Returns what it found; nested
 * values of wanted keys come back as `NESTED`. Never throws on malformed input (it returns what it read).
 */
export function readTopLevelFields(bytes: Uint8Array, wanted: ReadonlySet<string>): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const len = bytes.length;
  let i = 0;
  while (i < len && bytes[i] !== 0x7b) i++;
  i++;
  let depth = 1;
  let expectKey = true;
  let key: string | null = null;
  while (i < len && depth > 0) {
    const b = bytes[i]!;
    if (b === 0x22) {
      const end = stringEnd(bytes, i + 1);
      if (end === -1) return found;
      if (depth === 1 && expectKey) {
        key = decoder.decode(bytes.subarray(i + 1, end));
        expectKey = false;
      } else if (depth === 1 && key !== null && wanted.has(key)) {
        found.set(key, safeParse(bytes.subarray(i, end + 1)));
        key = null;
      }
      i = end + 1;
      continue;
    }
    if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth === 2) {
        if (key !== null && wanted.has(key)) found.set(key, NESTED);
        key = null;
      }
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    } else if (depth === 1) {
      if (b === 0x2c) expectKey = true;
      else if (key !== null && b !== 0x3a && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
        let j = i;
        while (j < len && bytes[j] !== 0x2c && bytes[j] !== 0x7d) j++;
        if (wanted.has(key)) found.set(key, safeParse(bytes.subarray(i, j)));
        key = null;
        i = j;
        continue;
      }
    }
    i++;
  }
  return found;
}

function stringEnd(bytes: Uint8Array, from: number): number {
  let pos = from;
  for (;;) {
    const q = bytes.indexOf(0x22, pos);
    if (q === -1) return -1;
    let k = q - 1;
    let bs = 0;
    while (k >= from && bytes[k] === 0x5c) {
      bs++;
      k--;
    }
    if ((bs & 1) === 0) return q;
    pos = q + 1;
  }
}

function safeParse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}
