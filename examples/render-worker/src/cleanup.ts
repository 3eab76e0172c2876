import { cleanupJobs } from "@threadmill/core";
import { log } from "./log.js";
import { openStore } from "./open-store.js";

/**
 * Render's cron job: retention. Deletes every tenant's jobs that finished more than
 * `THREADMILL_RETENTION_DAYS` (30) days ago, with their events and checkpoints and the records no
 * library or later job holds, in batches, then exits. Safe beside running workers.
 */
const setting = process.env.THREADMILL_RETENTION_DAYS?.trim() || "30";
const days = Number(setting);
// A blank or mistyped setting must not turn into 0 days, which removes every finished job.
if (!/^\d+(\.\d+)?$/.test(setting))
  throw new Error("THREADMILL_RETENTION_DAYS must be a number of days, e.g. 30");

const store = await openStore();
const started = Date.now();
try {
  const { jobs } = await cleanupJobs(store.adapter, { olderThanMs: days * 86_400_000 });
  log("cleanup", { jobs, olderThanDays: days, ms: Date.now() - started });
} finally {
  await store.close();
}
