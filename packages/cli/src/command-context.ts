import type { Adapter, ParseIssue, Runner } from "@threadmill/core";
import type { CliIo } from "./cli-io.js";
import type { StoreSpec } from "./parse-store.js";

/** Options of the runner a command makes. */
export interface CliRunnerOptions {
  /** Told about errors the runner recovers from (shown on stderr with `--debug`). */
  readonly onError?: (context: { readonly error: unknown; readonly jobId?: string }) => void;
  /** Told about each `ParseIssue` an import running in this process reports (`--verbose`). */
  readonly onIssue?: (issue: ParseIssue) => void;
  /** Worker threads that chunk (`--threads`); `0` chunks on the main thread. @default 0 */
  readonly threads?: number;
  /** Where `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL` are read for the facts stage. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What every command runs with: its streams, the store and tenant it addresses, and the flags all share. */
export interface CommandContext {
  readonly io: CliIo;
  readonly store: StoreSpec;
  readonly tenant: string;
  readonly debug: boolean;
  readonly verbose: boolean;
  /** The command line as typed (after `threadmill`), for the "run it again to resume" hint. */
  readonly argv: readonly string[];
  /** Makes the runner with the stock import pipeline and the file and URL sources. */
  readonly createRunner: (adapter: Adapter, options?: CliRunnerOptions) => Runner;
}
