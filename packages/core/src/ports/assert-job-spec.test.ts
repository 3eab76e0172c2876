import { describe, expect, it } from "vitest";
import { assertCheckpoint, assertJobSpec } from "./assert-job-spec.js";
import type { JobSpec } from "./job.js";

const valid: JobSpec = { tenant: "t", pipeline: "import", input: { kind: "file", path: "/x" } };

describe("assertJobSpec", () => {
  it("accepts a minimal and a full spec", () => {
    expect(() => assertJobSpec(valid, "memory")).not.toThrow();
    expect(() =>
      assertJobSpec(
        { ...valid, idempotencyKey: "k", singletonKey: "s", priority: -3, maxAttempts: 1, runAt: 0 },
        "memory",
      ),
    ).not.toThrow();
  });

  it.each([
    ["tenant", { ...valid, tenant: "" }, TypeError],
    ["pipeline", { ...valid, pipeline: 7 }, TypeError],
    ["input", { ...valid, input: null }, TypeError],
    ["input", { ...valid, input: { path: "/x" } }, TypeError],
    ["idempotencyKey", { ...valid, idempotencyKey: "" }, TypeError],
    ["singletonKey", { ...valid, singletonKey: 3 }, TypeError],
    ["priority", { ...valid, priority: 1.5 }, RangeError],
    ["priority", { ...valid, priority: 2 ** 40 }, RangeError],
    ["maxAttempts", { ...valid, maxAttempts: 0 }, RangeError],
    ["runAt", { ...valid, runAt: Number.NaN }, RangeError],
  ])("rejects a bad %s with a message naming the adapter and the field", (field, spec, kind) => {
    expect(() => assertJobSpec(spec as unknown as JobSpec, "redis")).toThrow(kind);
    expect(() => assertJobSpec(spec as unknown as JobSpec, "redis")).toThrow(
      new RegExp(`^\\[threadmill\\] \\[redis\\] invalid job spec: ${field}`),
    );
  });

  it("rejects a missing spec", () => {
    expect(() => assertJobSpec(null as unknown as JobSpec, "postgres")).toThrow(TypeError);
  });
});

describe("assertCheckpoint", () => {
  it("accepts a checkpoint and rejects one missing a field", () => {
    const checkpoint = { stage: "import", cursors: {}, completed: [], counts: {} };
    expect(() => assertCheckpoint(checkpoint, "memory")).not.toThrow();
    for (const key of ["stage", "cursors", "completed", "counts"] as const) {
      const broken = { ...checkpoint, [key]: null };
      expect(() => assertCheckpoint(broken as never, "pglite")).toThrow(/\[pglite\] a checkpoint needs/);
    }
  });
});
