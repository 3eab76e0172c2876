import type { Job } from "@threadmill/core";
import { CliError } from "./cli-error.js";
import type { CommandContext } from "./command-context.js";
import { type OpenedStore, openStore } from "./open-store.js";
import { describeStore } from "./parse-store.js";

/** Opens the context's store, runs `fn` with it, and closes it whatever happens. */
export async function withStore<T>(ctx: CommandContext, fn: (store: OpenedStore) => Promise<T>): Promise<T> {
  const store = await openStore(ctx.store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * The context tenant's job, or a CliError (exit 2) saying it is unknown in this store.
 */
export async function requireJob(ctx: CommandContext, store: OpenedStore, jobId: string): Promise<Job> {
  const job = await store.adapter.jobs.get(ctx.tenant, jobId);
  if (!job) {
    throw new CliError(
      `no job ${jobId} for tenant "${ctx.tenant}" in the store ${describeStore(ctx.store)}; list jobs with \`threadmill status\`.`,
    );
  }
  return job;
}
