import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A stable content hash of several strings: SHA-256 over the length-prefixed parts (so `["ab", "c"]`
 * and `["a", "bc"]` differ), as 32 hex characters (128 bits). Synchronous and portable.
 */
export function contentHash(...parts: ReadonlyArray<string | number | null>): string {
  const encoded = parts.map((p) => encoder.encode(p === null ? "\u0000null" : String(p)));
  let size = 0;
  for (const e of encoded) size += 4 + e.length;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length);
    buf.set(e, at + 4);
    at += 4 + e.length;
  }
  const digest = sha256(buf);
  let out = "";
  for (let i = 0; i < 16; i++) out += HEX[digest[i]!];
  return out;
}
