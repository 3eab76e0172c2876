export { CliError } from "./cli-error.js";
export type { CliIo } from "./cli-io.js";
export { EXIT_CODES, exitCodeFor } from "./exit-codes.js";
export { computeIdempotencyKey } from "./idempotency-key.js";
export { type ImportOptions, parseImportOptions } from "./import-options.js";
export { DEFAULT_STORE, describeStore, parseStore, type StoreSpec } from "./parse-store.js";
export { type RunCliOptions, runCli } from "./run-cli.js";
export { type ImportSummary, toSummary } from "./summary.js";
