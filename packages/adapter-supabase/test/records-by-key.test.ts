import { describe, expect, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

// chunks.id, conversations.id, facts.id and library_versions.id are collated "C", their membership tables' ids are not: a join of the
// two without an explicit collation cannot use the records' primary key, so listing a job's chunks
// (every page of `threadmill export`) and getting chunks by id read every record of the tenant.
describe.skipIf(unreachable !== null)(
  `records are found by primary key on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();

    it("chunks, conversations, facts and library versions: list by job (first and later pages) and get by ids never scan the records table (20k records of other jobs)", async () => {
      const schema = uniqueSchema(sql, "reckey");
      await migrate(sql, { schema });
      const q = (table: string) => `"${schema}".${table}`;
      // 20k chunks, conversations and facts of 100 other jobs of the same tenant, so the planner knows ids are selective.
      await sql.unsafe(
        `insert into ${q("jobs")} (id, tenant, pipeline, input, status)
         select 'job-' || g, 't', 'p', '{}', 'succeeded' from generate_series(0, 100) g`,
      );
      for (const [table, members, idCol] of [
        ["chunks", "chunk_jobs", "chunk_id"],
        ["conversations", "conversation_jobs", "conversation_id"],
        ["facts", "fact_jobs", "fact_id"],
        ["library_versions", "library_version_jobs", "version_id"],
      ] as const) {
        await sql.unsafe(
          `insert into ${q(table)} (tenant, id, body) select 't', 'r-' || lpad(g::text, 6, '0'),
             jsonb_build_object('id', 'r-' || lpad(g::text, 6, '0'), 'conversationId', 'c-' || (g % 500))
           from generate_series(1, 20000) g`,
        );
        await sql.unsafe(
          `insert into ${q(members)} (tenant, job_id, ${idCol})
           select 't', 'job-' || (g % 100 + 1), 'r-' || lpad(g::text, 6, '0') from generate_series(1, 20000) g
           union all select 't', 'job-0', 'r-' || lpad(g::text, 6, '0') from generate_series(1, 20) g`,
        );
        await sql.unsafe(`analyze ${q(table)}; analyze ${q(members)}`);
      }
      // The library is a membership like a job's: 20 of the versions.
      await sql.unsafe(
        `insert into ${q("library_version_jobs")} (tenant, job_id, version_id)
         select 't', '~library', 'r-' || lpad(g::text, 6, '0') from generate_series(101, 120) g`,
      );

      const scans = await sql.begin(async (tx) => {
        // One transaction: pg_stat_xact_user_tables counts its own scans.
        const adapter = createPostgresAdapter({ sql: tx as never, schema });
        const count = async (table: string) => {
          const [row] = await tx.unsafe<{ seq_scan: string }[]>(
            `select seq_scan from pg_stat_xact_user_tables where relid = '${q(table)}'::regclass`,
          );
          return Number(row!.seq_scan);
        };
        const result: Record<string, number> = {};
        const tables = {
          chunks: "chunks",
          conversations: "conversations",
          facts: "facts",
          library: "library_versions",
        };
        for (const kind of ["chunks", "conversations", "facts", "library"] as const) {
          const before = await count(tables[kind]);
          const store = adapter[kind];
          const listed = await store.list("t", { jobId: "job-0", limit: 10 });
          expect(listed).toHaveLength(10);
          const next = await store.list("t", { jobId: "job-0", after: "r-000010", limit: 100 });
          expect(next).toHaveLength(10);
          expect(await store.get("t", ["r-000003", "r-019999"])).toHaveLength(2);
          if (kind === "library") {
            expect(await store.list("t", { library: true, limit: 10 })).toHaveLength(10);
            expect(await store.list("t", { library: true, after: "r-000110" })).toHaveLength(10);
          }
          result[kind] = (await count(tables[kind])) - before;
        }
        return result;
      });
      expect(scans).toEqual({ chunks: 0, conversations: 0, facts: 0, library: 0 });
    });
  },
);
