import { describe, expect, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

// jobs.id is collated "C" and events.job_id is not: a comparison of the two without an explicit
// collation cannot use events' primary key, so every completion scanned the whole events table.
describe.skipIf(unreachable !== null)(
  `a job's events are found by primary key on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();
    const input = { kind: "file", path: "x" } as const;

    it("complete, completeAndClaim, deadLetter, events.append and events.read never scan the events table (10k events of other jobs)", async () => {
      const schema = uniqueSchema(sql, "evkey");
      await migrate(sql, { schema });
      const setup = createPostgresAdapter({ sql, schema });
      // 10k events of 200 finished jobs, so the planner knows job_id is selective.
      await sql.unsafe(
        `insert into "${schema}".jobs (id, tenant, pipeline, input, status)
         select 'old-' || g, 't', 'p', '{}', 'succeeded' from generate_series(1, 200) g`,
      );
      await sql.unsafe(
        `insert into "${schema}".events (job_id, seq, tenant, type, body)
         select 'old-' || (g % 200 + 1), g, 't', 'progress', '{}'::jsonb from generate_series(1, 10000) g`,
      );
      await sql.unsafe(`analyze "${schema}".events`);
      for (let i = 0; i < 4; i++) await setup.jobs.create({ tenant: "t", pipeline: "p", input });

      const scans = await sql.begin(async (tx) => {
        // One connection, one transaction: pg_stat_xact_user_tables counts its scans (from `before`).
        const adapter = createPostgresAdapter({ sql: tx as never, schema });
        const count = async () => {
          const [row] = await tx.unsafe<{ seq_scan: string; idx_scan: string }[]>(
            `select seq_scan, idx_scan from pg_stat_xact_user_tables where relid = '"${schema}".events'::regclass`,
          );
          return { seq: Number(row!.seq_scan), idx: Number(row!.idx_scan) };
        };
        const before = await count();
        const a = (await adapter.queue.claim("w", 10_000))!;
        await adapter.events.append(a.lease, {
          type: "progress",
          stage: "s",
          done: 1,
          attempt: 1,
          epoch: 1,
          at: 0,
        });
        await adapter.events.read("t", a.job.id, null);
        const { next } = await adapter.queue.completeAndClaim(
          a.lease,
          { status: "succeeded" },
          { workerId: "w", leaseMs: 10_000 },
        );
        await adapter.queue.complete(next!.lease, { status: "succeeded" });
        const c = (await adapter.queue.claim("w", 10_000))!;
        await adapter.queue.deadLetter(c.lease, { code: "X", name: "X", message: "no", retriable: false });
        const after = await count();
        return { seq: after.seq - before.seq, idx: after.idx - before.idx };
      });
      expect(scans.seq).toBe(0);
      expect(scans.idx).toBeGreaterThan(0);
    });
  },
);
