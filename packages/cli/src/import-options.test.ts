import { describe, expect, it } from "vitest";
import { parseImportOptions } from "./import-options.js";

describe("parseImportOptions", () => {
  it("has the design's defaults", () => {
    expect(parseImportOptions({})).toEqual({
      maxTokens: 512,
      overlapTokens: 64,
      tokenizer: "o200k_base",
      branches: "active",
      missing: "keep",
    });
  });

  it("takes valid values and rejects the rest naming the flag", () => {
    expect(
      parseImportOptions({
        maxTokens: "128",
        overlap: "0",
        tokenizer: "claude",
        branches: "all",
        missing: "delete",
      }),
    ).toEqual({
      maxTokens: 128,
      overlapTokens: 0,
      tokenizer: "claude",
      branches: "all",
      missing: "delete",
    });
    expect(() => parseImportOptions({ maxTokens: "-1" })).toThrow(/--max-tokens must be a whole number/);
    expect(() => parseImportOptions({ maxTokens: "8" })).toThrow(/--max-tokens must be between 16/);
    expect(() => parseImportOptions({ maxTokens: "100", overlap: "60" })).toThrow(/at most half/);
    expect(() => parseImportOptions({ tokenizer: "p50k" })).toThrow(/--tokenizer must be one of/);
    expect(() => parseImportOptions({ branches: "none" })).toThrow(/--branches must be active or all/);
    expect(() => parseImportOptions({ missing: "drop" })).toThrow(/--missing must be keep or delete/);
  });
});
