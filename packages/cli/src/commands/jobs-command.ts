import {
  DEFAULT_QUEUED_GRACE_MS,
  iterateJobs,
  type Job,
  type JobAdmin,
  type JobStatus,
} from "@threadmill/core";
import { requireAdmin } from "../admin-store.js";
import { CliError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { toJobView } from "../job-view.js";
import { withStore } from "../open-context-store.js";
import { parseDuration } from "../parse-duration.js";

/** Flags of `threadmill jobs`. */
export interface JobsFlags {
  readonly status?: JobStatus;
  readonly stuck?: boolean;
  readonly queuedGrace?: string;
  /** Only this tenant; every tenant when absent. */
  readonly tenant?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

function why(job: Job, now: number): string {
  if (job.status === "running" && job.leaseExpiresAt !== null && job.leaseExpiresAt <= now) {
    return `lease expired ${new Date(job.leaseExpiresAt).toISOString()} (worker ${job.workerId ?? "?"})`;
  }
  if (job.status === "queued") return `due since ${new Date(job.runAt).toISOString()}`;
  return job.error ? `${job.error.code}: ${toJobView(job).error?.message}` : "";
}

function line(job: Job, now: number): string {
  return `${job.id}  ${job.status.padEnd(9)}  ${job.tenant}  ${job.stage ?? "-"}  attempts ${job.attempts}/${job.maxAttempts}  ${why(job, now)}\n`;
}

async function findAll(admin: JobAdmin, flags: JobsFlags, limit: number): Promise<Job[]> {
  const grace =
    flags.queuedGrace === undefined
      ? DEFAULT_QUEUED_GRACE_MS
      : parseDuration(flags.queuedGrace, "--queued-grace");
  const jobs: Job[] = [];
  const found = iterateJobs(admin, {
    ...(flags.status ? { status: flags.status } : {}),
    ...(flags.stuck ? { stuck: true, queuedGraceMs: grace } : {}),
    ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
  });
  for await (const job of found) {
    if (jobs.length >= limit) break;
    jobs.push(job);
  }
  return jobs;
}

/**
 * `threadmill jobs [--status s] [--stuck] [--tenant t]`: every tenant's jobs (or one's), newest first,
 * for the people who run the service. `--stuck` keeps running jobs whose lease expired (their
 * worker died) and queued jobs due more than `--queued-grace` (5m) ago (no worker serves the queue).
 * Exit 0 whatever it finds.
 */
export async function jobsCommand(flags: JobsFlags, ctx: CommandContext): Promise<number> {
  const limit = flags.limit === undefined ? 1000 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit takes a whole number >= 1; got "${flags.limit}".`);
  return withStore(ctx, async (store) => {
    const jobs = await findAll(requireAdmin(store), flags, limit);
    const { stdout } = ctx.io;
    if (flags.json) {
      stdout.write(`${JSON.stringify(jobs.map(toJobView))}\n`);
      return EXIT_CODES.ok;
    }
    const now = Date.now();
    if (jobs.length === 0)
      stdout.write(`no ${flags.stuck ? "stuck " : ""}${flags.status ?? ""} jobs.\n`.replace("  ", " "));
    for (const job of jobs) stdout.write(line(job, now));
    return EXIT_CODES.ok;
  });
}
