/** The parts as one buffer: the part itself when there is one, else a copy. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An element's bytes as one buffer (a view when it has one part, else a copy). */
export function elementBytes(element: { readonly parts: readonly Uint8Array[] }): Uint8Array {
  return concatBytes(element.parts);
}

const fatal = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

/**
 * Decodes an element's bytes as UTF-8 and drops its `parts` (so a 100 MB conversation's chunks can be
 * collected before `JSON.parse` runs); invalid bytes become U+FFFD and `valid` is false.
 */
export function decodeElement(element: { parts: readonly Uint8Array[] }): { text: string; valid: boolean } {
  const bytes = elementBytes(element);
  element.parts = [];
  try {
    return { text: fatal.decode(bytes), valid: true };
  } catch {
    return { text: lenient.decode(bytes), valid: false };
  }
}
