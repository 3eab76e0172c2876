import { describe, expect, it } from "vitest";
import { cleanText } from "./clean-text.js";
import { parseTimestamp } from "./parse-timestamp.js";

describe("cleanText", () => {
  it("leaves ordinary text (emoji included) untouched", () => {
    expect(cleanText("Hello 👋 café")).toEqual({
      text: "Hello 👋 café",
      loneSurrogates: false,
      nulRemoved: false,
    });
  });
  it("removes citation spans whole, new and legacy, and stray markers", () => {
    expect(
      cleanText("a\uE200cite\uE202turn0search3\uE202turn0news1\uE201 b【12:3†source】 c\uE202").text,
    ).toBe("a b c");
  });
  it("removes NUL and replaces lone surrogates, saying so", () => {
    expect(cleanText("x\u0000y\uD800z")).toEqual({
      text: "xy\uFFFDz",
      loneSurrogates: true,
      nulRemoved: true,
    });
  });
});

describe("parseTimestamp", () => {
  it("reads seconds, milliseconds, ISO, numeric strings and null; rejects junk", () => {
    expect(parseTimestamp(1704067200)?.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(parseTimestamp(1704067200123)?.toISOString()).toBe("2024-01-01T00:00:00.123Z");
    expect(parseTimestamp("2024-01-01T00:02:00Z")?.toISOString()).toBe("2024-01-01T00:02:00.000Z");
    expect(parseTimestamp(" 1704067200.5 ")?.toISOString()).toBe("2024-01-01T00:00:00.500Z");
    expect(parseTimestamp(null)).toBeNull();
    expect(parseTimestamp(undefined)).toBeNull();
    expect(parseTimestamp("soon")).toBeUndefined();
    expect(parseTimestamp({})).toBeUndefined();
    expect(parseTimestamp(Number.NaN)).toBeUndefined();
  });
});
