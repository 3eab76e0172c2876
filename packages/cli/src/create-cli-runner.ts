import type { Adapter, Runner } from "@threadmill/core";
import { CliError } from "./cli-error.js";
import type { CliRunnerOptions } from "./command-context.js";

/**
 * The runner the CLI works jobs with: the stock import pipeline, the file and URL sources of
 * `@threadmill/core/node`, default leases.
 */
export function createCliRunner(_adapter: Adapter, _options: CliRunnerOptions = {}): Runner {
  throw new CliError("the import pipeline is not in this build of @threadmill/core yet.", 1);
}
