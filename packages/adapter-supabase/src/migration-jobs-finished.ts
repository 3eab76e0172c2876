/**
 * Migration 8: the index retention's cleanup picks its jobs by (oldest finished first, terminal
 * only), so a call reads `limit` index entries instead of scanning every job. Partial, so queued and
 * running jobs (the hot rows) never pay for it.
 */
export function jobsFinishedMigrationSql(s: string): string {
  return `
create index if not exists jobs_finished on ${s}.jobs (finished_at, id)
  where status in ('succeeded', 'failed', 'cancelled');
`;
}
