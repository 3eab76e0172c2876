/** Whether bytes start with a ZIP signature (a local header or an empty archive's directory). */
export function isZipMagic(b: Uint8Array): boolean {
  return (
    b.length >= 4 &&
    b[0] === 0x50 &&
    b[1] === 0x4b &&
    (b[2] === 3 || b[2] === 5) &&
    (b[3] === 4 || b[3] === 6)
  );
}

/** The first byte after a BOM and JSON whitespace. */
export function firstNonSpace(b: Uint8Array): number | undefined {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i];
}

/** Whether `needle` occurs in `haystack`. */
export function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (
    let i = haystack.indexOf(needle[0]!);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(needle[0]!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The parts as one buffer (the part itself when there is only one). */
export function concat(parts: Uint8Array[]): Uint8Array {
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
