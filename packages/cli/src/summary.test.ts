import type { Job } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { toSummary } from "./summary.js";

const job = (patch: Partial<Job>): Job => ({
  id: "j1",
  tenant: "local",
  pipeline: "import",
  input: { kind: "file", path: "/x" },
  options: {},
  idempotencyKey: null,
  singletonKey: null,
  priority: 0,
  maxAttempts: 5,
  status: "succeeded",
  attempts: 0,
  epoch: 1,
  runAt: 0,
  workerId: null,
  leaseExpiresAt: null,
  cancelRequested: false,
  stage: "import",
  progress: null,
  counts: {},
  result: null,
  error: null,
  createdAt: 1_000,
  updatedAt: 5_000,
  finishedAt: 4_500,
  ...patch,
});

describe("toSummary", () => {
  it("is the design's summary line, from the job record's counts", () => {
    const counts = {
      conversations: 3,
      messages: 40,
      chunks: 12,
      issues: 1,
      unchanged: 1,
      changed: 1,
      new: 1,
    };
    expect(toSummary(job({ counts }))).toEqual({
      type: "summary",
      jobId: "j1",
      status: "succeeded",
      conversations: 3,
      messages: 40,
      chunks: 12,
      issues: 1,
      library: { unchanged: 1, changed: 1, new: 1, missing: 0 },
      durationMs: 3_500,
    });
  });

  it("counts missing totals as 0; a queued job has lasted 0 ms, a running one until now", () => {
    expect(toSummary(job({ status: "queued", finishedAt: null }), 9_000)).toMatchObject({
      chunks: 0,
      durationMs: 0,
    });
    expect(toSummary(job({ status: "running", finishedAt: null }), 9_000)).toMatchObject({
      durationMs: 8_000,
    });
  });
});
