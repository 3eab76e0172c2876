import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { defaultThreads, parseThreads } from "./threads-option.js";

describe("--threads", () => {
  it("defaults to every core but two: none on a machine of 1 or 2 cores", () => {
    expect([1, 2, 3, 4, 8].map((cores) => defaultThreads(cores))).toEqual([0, 0, 1, 2, 6]);
    expect(parseThreads(undefined)).toBe(Math.max(0, availableParallelism() - 2));
  });

  it("takes a whole number from 0 to 64 and rejects the rest", () => {
    expect(parseThreads("0")).toBe(0);
    expect(parseThreads(" 3 ")).toBe(3);
    for (const bad of ["-1", "1.5", "65", "two", ""]) expect(() => parseThreads(bad)).toThrow(CliError);
  });
});
