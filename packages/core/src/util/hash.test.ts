import { describe, expect, it } from "vitest";
import { contentHash, murmur3x86x128 } from "./hash.js";

// Vectors from a C transcription of the reference MurmurHash3_x86_128 (aappleby/smhasher), seed 0,
// on bytes (i * 151 + len * 7 + 13) & 0xff: every tail length class and multi-block input.
const VECTORS: [number, string][] = [
  [0, "00000000000000000000000000000000"],
  [1, "2757578d35cb422a35cb422a35cb422a"],
  [3, "865b282f2647dd562647dd562647dd56"],
  [4, "5b2bae21300314f3300314f3300314f3"],
  [5, "15d1fa79e519aec3055de0d4055de0d4"],
  [8, "87febe56c19be3a0843c3516843c3516"],
  [9, "90b1e83bcef7c91ff628cb34e62851a7"],
  [12, "551e78ddd9aeb492b3596f538e046503"],
  [13, "01b29437515e6811d00b6a686f3946ae"],
  [15, "366709c0d1094adb00a7d73a34d62d6a"],
  [16, "80b3c0fe6e75395099739d85107d67ea"],
  [17, "134819fab018405d3720d65a9f05f16a"],
  [31, "6ab873db5603c86ee60c1cbea1cbfde1"],
  [33, "038ee18ad4ac646a5d4c5259f0ab06ed"],
  [64, "31192e6332b6146d55d029ea1a6f6860"],
];

describe("contentHash", () => {
  it.each(VECTORS)("murmur3 x86_128 matches the reference on %i bytes", (len, expected) => {
    const data = new Uint8Array(len);
    for (let i = 0; i < len; i++) data[i] = (i * 151 + len * 7 + 13) & 0xff;
    expect(murmur3x86x128(data, len)).toBe(expected);
  });

  it("matches the reference on a well-known string", () => {
    const data = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
    expect(murmur3x86x128(data, data.length)).toBe("2f1583c3ecee2c675d7bf66ce5e91d2c");
  });

  it("hashes length-prefixed UTF-8 parts, null as \\u0000null (vectors from the C reference)", () => {
    expect(contentHash("conv-1", null, 3, "User: héllo 😀")).toBe("156f239e171777652416d230fe3ec41c");
    expect(contentHash(`${"x".repeat(100_000)}é`)).toBe("71473786dc9dd6e8f007b2f48943d5ce");
  });

  it("is deterministic, 32 hex characters, and separates parts", () => {
    expect(contentHash("a", "b")).toBe(contentHash("a", "b"));
    expect(contentHash("a", "b")).toMatch(/^[0-9a-f]{32}$/);
    expect(contentHash("ab", "c")).not.toBe(contentHash("a", "bc"));
    expect(contentHash(null)).not.toBe(contentHash("null"));
    expect(contentHash("1")).toBe(contentHash(1));
    expect(contentHash("\ud800")).toBe(contentHash("\ufffd"));
  });
});
