import type { Sql } from "postgres";
import { jobsChannel } from "./create-sql-adapter.js";
import { quoteSchema } from "./quote-schema.js";

/** Options of `listenForJobs`. */
export interface ListenForJobsOptions {
  /** A postgres.js client on a direct (or session-mode) connection; LISTEN needs a session. */
  readonly sql: Sql;
  /** @default "threadmill" */
  readonly schema?: string;
  /** Called on every notification that a job became claimable (try a claim then). */
  readonly onJob: () => void;
}

/**
 * Subscribes to the NOTIFY sent by an adapter created with `notify: true`: an optional accelerator
 * on top of polling (a missed notification only costs one poll interval). Returns `unlisten`.
 * @example
 * const { unlisten } = await listenForJobs({ sql, onJob: () => wake() });
 */
export async function listenForJobs(
  options: ListenForJobsOptions,
): Promise<{ unlisten: () => Promise<void> }> {
  const schemaName = options.schema ?? "threadmill";
  quoteSchema(schemaName);
  const { unlisten } = await options.sql.listen(jobsChannel(schemaName), () => options.onJob());
  return { unlisten };
}
