import { zlibInflateRaw } from "../node/zlib-inflate-raw.js";
import {
  createImportPipeline as createPortableImportPipeline,
  type ImportPipelineOptions,
} from "./import-pipeline.js";
import { nodeSources } from "./node-sources.js";
import type { Pipeline } from "./pipeline.js";
import { createRunner as createPortableRunner, type Runner, type RunnerOptions } from "./runner.js";

/**
 * `createRunner` for Node: the same runner, with the `file` and `url` source resolvers of
 * `nodeSources` registered unless `sources` overrides them.
 * @example
 * const runner = createRunner({ store, pipelines: { import: createImportPipeline() } });
 * await runner.submit({ tenant: "local", pipeline: "import", input: { kind: "file", path: "./export.zip" } });
 */
export function createRunner(options: RunnerOptions): Runner {
  return createPortableRunner({ ...options, sources: { ...nodeSources, ...options.sources } });
}

/** `createImportPipeline` for Node: ZIP entries are inflated with `node:zlib` (faster than fflate). */
export function createImportPipeline(options: ImportPipelineOptions = {}): Pipeline {
  return createPortableImportPipeline({ inflateRaw: zlibInflateRaw, ...options });
}
