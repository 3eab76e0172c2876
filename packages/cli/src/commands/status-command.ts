import type { Job } from "@threadmill/core";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { toJobView } from "../job-view.js";
import { requireJob, withStore } from "../open-context-store.js";
import type { OpenedStore } from "../open-store.js";

const number = new Intl.NumberFormat("en");

function humanLine(job: Job): string {
  const view = toJobView(job);
  const counts = Object.entries(job.counts)
    .map(([k, v]) => `${number.format(v)} ${k}`)
    .join(", ");
  const progress =
    job.progress && job.status === "running"
      ? ` ${number.format(job.progress.done)}${job.progress.total === null ? "" : `/${number.format(job.progress.total)}`}${job.progress.unit ? ` ${job.progress.unit}` : ""}`
      : "";
  const error = view.error ? ` \u00b7 error: ${view.error.message}` : "";
  return `${job.id}  ${job.status.padEnd(9)}  ${job.stage ?? "-"}${progress}  ${counts || "no output yet"}  created ${view.createdAt}${error}\n`;
}

async function allJobs(ctx: CommandContext, store: OpenedStore): Promise<Job[]> {
  const jobs: Job[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await store.adapter.jobs.list(ctx.tenant, { limit: 100, ...(before ? { before } : {}) });
    jobs.push(...page);
    if (page.length < 100) return jobs;
    before = page[page.length - 1]!.id;
  }
}

/**
 * `threadmill status [<jobId>]`: the job record (`--json`: `jobId, tenant, status, stage, progress,
 * counts, error, createdAt, updatedAt`), or without an id the tenant's jobs (`--json`: an array).
 * Exit 0 whatever the job's state; 2 for an unknown job.
 */
export async function statusCommand(
  jobId: string | undefined,
  flags: { readonly json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  return withStore(ctx, async (store) => {
    const { stdout } = ctx.io;
    if (jobId !== undefined) {
      const job = await requireJob(ctx, store, jobId);
      stdout.write(flags.json ? `${JSON.stringify(toJobView(job))}\n` : humanLine(job));
      return EXIT_CODES.ok;
    }
    const jobs = await allJobs(ctx, store);
    if (flags.json) stdout.write(`${JSON.stringify(jobs.map(toJobView))}\n`);
    else if (jobs.length === 0) stdout.write(`no jobs for tenant "${ctx.tenant}".\n`);
    else for (const job of jobs) stdout.write(humanLine(job));
    return EXIT_CODES.ok;
  });
}
