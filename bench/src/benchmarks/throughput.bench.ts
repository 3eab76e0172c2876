// Queue throughput on Postgres (issue 23): no-op jobs with a 20k backlog, at concurrency 1 and 16,
// against graphile-worker 0.18 (its documented setup: pool of max(10, c + 2), logging off) and
// BullMQ 6's Postgres backend on the same server, in the same run, interleaved.
//
// "threadmill runner path": the queue calls the runner's claim loop makes per job since
// `completeAndClaim` joined the Queue port: one `claim` when the loop starts, then one
// `completeAndClaim` per job (the completion is fenced, atomic with its event and committed before
// the next job is handed out). "threadmill claim + complete": the two calls it made before.
// "threadmill runner (createRunner)": the whole runner on a one-stage no-op pipeline, so every
// write a real job makes is in it (started event, checkpoint read and save, terminal write).
import { defineBenchmark } from "../harness.js";
import {
  bullmqThroughput,
  graphileThroughput,
  runnerThroughput,
  threadmillThroughput,
} from "./pg-queue-throughput.js";

const BACKLOG = 20_000;

export default defineBenchmark({
  description:
    "Postgres queue throughput, no-op jobs, 20k backlog: threadmill's runner path vs graphile-worker 0.18 and BullMQ 6 (Postgres backend)",
  runs: Number(process.env.TM_BENCH_RUNS ?? 3),
  interleave: true,
  baseline: "graphile-worker c1",
  higherIsBetter: { "jobs/s": true, "statements/job": false },
  goals: {
    "threadmill runner path vs graphile-worker": ">= 1.0x at c1 and c16",
    "threadmill runner path vs BullMQ (Postgres)": ">= 1.2x at c1 and c16",
  },
  cases: {
    "graphile-worker c1": { run: () => graphileThroughput(1, BACKLOG) },
    "graphile-worker c16": { run: () => graphileThroughput(16, BACKLOG) },
    "bullmq-pg c1": { run: () => bullmqThroughput(1, BACKLOG) },
    "bullmq-pg c16": { run: () => bullmqThroughput(16, BACKLOG) },
    "threadmill runner path c1": { run: () => threadmillThroughput(1, BACKLOG, true) },
    "threadmill runner path c16": { run: () => threadmillThroughput(16, BACKLOG, true) },
    "threadmill claim + complete c1": { run: () => threadmillThroughput(1, BACKLOG) },
    "threadmill claim + complete c16": { run: () => threadmillThroughput(16, BACKLOG) },
    "threadmill runner (createRunner) c1": { run: () => runnerThroughput(1, BACKLOG) },
    "threadmill runner (createRunner) c16": { run: () => runnerThroughput(16, BACKLOG) },
  },
  pairs: [
    ["threadmill runner path c1", "graphile-worker c1", "jobs/s"],
    ["threadmill runner path c16", "graphile-worker c16", "jobs/s"],
    ["threadmill runner path c1", "bullmq-pg c1", "jobs/s"],
    ["threadmill runner path c16", "bullmq-pg c16", "jobs/s"],
    ["threadmill runner (createRunner) c1", "graphile-worker c1", "jobs/s"],
    ["threadmill runner (createRunner) c16", "graphile-worker c16", "jobs/s"],
  ],
});
