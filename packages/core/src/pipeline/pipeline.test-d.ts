import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { ChunkSink } from "../ports/chunk-store.js";
import type { Source } from "../ports/source.js";
import type { JsonValue } from "../util/json.js";
import type { Pipeline, Stage, StageRun, UnitContext, UnitResult } from "./pipeline.js";
import type { JobRun } from "./job-run.js";
import type { Runner } from "./runner.js";
import { defineSourceResolver, type SourceResolver } from "./source-resolver.js";
import type { WorkResult } from "./work-slice.js";

describe("pipeline types", () => {
  it("a stage's cursor type flows from open() to its units' results", () => {
    const stage: Stage<{ page: number }> = {
      name: "pages",
      open: (_ctx, cursor) => {
        expectTypeOf(cursor).toEqualTypeOf<{ page: number } | null>();
        return {
          async next(unit) {
            expectTypeOf(unit).toEqualTypeOf<UnitContext>();
            expectTypeOf(unit.yield).returns.resolves.toBeVoid();
            return { cursor: { page: 1 }, done: true };
          },
        };
      },
    };
    const pipeline: Pipeline = { stages: [stage] };
    expectTypeOf(pipeline.stages[0]?.name).toEqualTypeOf<string | undefined>();
    expectTypeOf<StageRun<number>["next"]>().returns.resolves.toEqualTypeOf<UnitResult<number>>();
    // @ts-expect-error the cursor a unit returns must match the stage's type
    const bad: UnitResult<{ page: number }> = { cursor: "x", done: true };
    expectTypeOf(bad).not.toBeNever();
  });

  it("defaults cursors to JSON and reports outcomes as a closed union", () => {
    expectTypeOf<UnitResult["cursor"]>().toEqualTypeOf<JsonValue>();
    expectTypeOf<JobRun["outcome"]>().toEqualTypeOf<
      "succeeded" | "failed" | "cancelled" | "released" | "lease-lost"
    >();
    expectTypeOf<Runner["work"]>().returns.resolves.toEqualTypeOf<WorkResult>();
  });

  it("a user's ChunkSink upserts and deletes (it purges itself), and the runner purges a whole tenant", () => {
    expectTypeOf<keyof ChunkSink>().toEqualTypeOf<"upsert" | "delete">();
    expectTypeOf<Runner["purgeTenant"]>().returns.resolves.toEqualTypeOf<number>();
  });

  it("defineSourceResolver hands the resolver the ref as its schema parses it", () => {
    const resolver = defineSourceResolver(z.object({ kind: z.literal("s3"), key: z.string() }), (ref) => {
      expectTypeOf(ref.key).toEqualTypeOf<string>();
      return {} as Source;
    });
    expectTypeOf(resolver).toEqualTypeOf<SourceResolver>();
  });
});
