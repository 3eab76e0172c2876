import type { Job } from "../ports/job.js";
import type { FindJobsOptions, JobAdmin } from "../ports/job-admin.js";

const PAGE = 100;

/**
 * Every job `admin.find` matches, newest first, fetched a page at a time (by `before`), so a caller
 * can stop early without reading the rest.
 * @example
 * for await (const job of iterateJobs(adapter.admin, { stuck: true })) console.log(job.id);
 */
export async function* iterateJobs(
  admin: JobAdmin,
  options: Omit<FindJobsOptions, "before" | "limit"> = {},
): AsyncGenerator<Job> {
  let before: string | undefined;
  for (;;) {
    const page = await admin.find({ ...options, limit: PAGE, ...(before === undefined ? {} : { before }) });
    yield* page;
    if (page.length < PAGE) return;
    before = page[page.length - 1]!.id;
  }
}
