import { createRunner as createPortableRunner, type Runner } from "../pipeline/runner.js";
import type { RunnerOptions } from "../pipeline/runner-options.js";
import { nodeSources } from "./node-sources.js";

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
