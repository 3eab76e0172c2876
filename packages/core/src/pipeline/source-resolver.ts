import type { SourceRef } from "../ports/job.js";
import type { Source } from "../ports/source.js";

/** Turns a job's `SourceRef` into a `Source`, on the worker that runs the job. */
export type SourceResolver = (
  ref: SourceRef,
  context: { readonly tenant: string; readonly jobId: string },
) => Source | Promise<Source>;
