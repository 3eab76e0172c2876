import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startChildFleet } from "./limits-child-fleet.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/${name}`, import.meta.url));

describe("startChildFleet", () => {
  it("runs a phase in every child at once, with each child's clock shifted, and kills one by SIGKILL", async () => {
    const fleet = await startChildFleet(fixture("limits-memory-process.ts"), [0, 2000, 0, 2000]);
    try {
      expect(fleet).toMatchObject({ separate: true, size: 4 });
      const before = Date.now();
      const clocks = (await fleet.runAll(() => ({ kind: "clock" as const }))).map((c) => c.now - before);
      for (const [index, shift] of [0, 2000, 0, 2000].entries()) {
        expect(clocks[index]).toBeGreaterThanOrEqual(shift - 50);
        expect(clocks[index]).toBeLessThan(shift + 1000);
      }
      // Memory stores: each child has its own, so each admits the whole burst of 10.
      const results = await fleet.runAll((index) => ({
        kind: "acquireBurst" as const,
        limiter: "fleet",
        rules: [{ name: "requests", limit: 10, periodMs: 60_000 }],
        key: "k",
        calls: 10 + index,
        maxRetryAfterMs: 6000,
      }));
      expect(results).toEqual(
        [0, 1, 2, 3].map((index) => ({ admitted: 10, rateLimited: index, badRetry: [], other: [] })),
      );
      await fleet.kill(0);
      await expect(fleet.runOne(0, { kind: "clock" })).rejects.toThrow(/worker 0 is gone/);
      expect((await fleet.runOne(3, { kind: "clock" })).now).toBeGreaterThan(before);
    } finally {
      await fleet.close();
    }
  });

  it("fails to start with the child's own words when the module exports no open()", async () => {
    await expect(startChildFleet(fixture("limits-no-open.ts"), [0])).rejects.toThrow(
      /worker 0 exited \(1\)[\s\S]*does not export open\(\)/,
    );
  });
});
