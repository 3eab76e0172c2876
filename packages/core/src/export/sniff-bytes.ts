/** Whether a byte is JSON whitespace (space, tab, CR, LF). */
export const isJsonSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

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
  while (i < b.length && isJsonSpace(b[i]!)) i++;
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
