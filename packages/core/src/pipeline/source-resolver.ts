import type { z } from "zod";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { SourceRef } from "../ports/job.js";
import type { Source } from "../ports/source.js";

/** Turns a job's `SourceRef` into a `Source`, on the worker that runs the job. */
export interface SourceResolver {
  (ref: SourceRef, context: { readonly tenant: string; readonly jobId: string }): Source | Promise<Source>;
  /**
   * The shape of the refs it opens. `submit` rejects a ref of this kind that does not match it, and
   * a claim of such a job fails at once, both with `JobConfigurationError` (`INVALID_INPUT`).
   * @default none (any ref of the kind is handed to the resolver)
   */
  readonly schema?: z.ZodType;
}

/**
 * A `SourceResolver` that declares the shape of its refs with a zod schema, so a malformed ref is
 * rejected by `submit` instead of failing on a worker.
 * @example
 * const s3 = defineSourceResolver(z.object({ kind: z.literal("s3"), key: z.string().min(1) }), (ref) => openS3(ref.key));
 */
export function defineSourceResolver<S extends z.ZodType<SourceRef>>(
  schema: S,
  resolve: (
    ref: z.output<S>,
    context: { readonly tenant: string; readonly jobId: string },
  ) => Source | Promise<Source>,
): SourceResolver {
  return Object.assign(
    (ref: SourceRef, context: { readonly tenant: string; readonly jobId: string }) =>
      resolve(ref as z.output<S>, context),
    { schema },
  );
}

/**
 * Checks a ref against the schema of its kind's resolver, when there is one.
 * @throws JobConfigurationError (`INVALID_INPUT`) naming what is wrong with it.
 */
export function assertSourceRef(resolver: SourceResolver | undefined, ref: SourceRef, what: string): void {
  const result = resolver?.schema?.safeParse(ref);
  if (!result || result.success) return;
  const problems = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "input"}: ${issue.message}`)
    .join("; ");
  throw new JobConfigurationError(
    "INVALID_INPUT",
    `${what} has a malformed "${ref.kind}" input (${problems}); fix the input's fields.`,
  );
}
