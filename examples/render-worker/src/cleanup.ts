import { log } from "./log.js";
import { openStore } from "./open-store.js";

/**
 * Render's cron job: retention. Deletes every tenant's jobs that finished more than
 * `THREADMILL_RETENTION_DAYS` (30) days ago, with their events and checkpoints and the records no
 * library or later job holds, in batches, then exits. Safe beside running workers.
 */
const days = Number(process.env.THREADMILL_RETENTION_DAYS ?? 30);
if (!(days >= 0)) throw new Error("THREADMILL_RETENTION_DAYS must be a number of days >= 0");

const store = await openStore();
const admin = store.adapter.admin;
if (!admin) throw new Error(`the ${store.kind} store has no admin port`);
const started = Date.now();
let jobs = 0;
try {
  for (;;) {
    const batch = await admin.cleanup({ olderThanMs: days * 86_400_000 });
    jobs += batch.jobs;
    if (!batch.more) break;
  }
  log("cleanup", { jobs, olderThanDays: days, ms: Date.now() - started });
} finally {
  await store.close();
}
