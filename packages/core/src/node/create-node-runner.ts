import { createRunner as createPortableRunner, type Runner, type RunnerOptions } from "../pipeline/runner.js";
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
