import { PGlite } from "@electric-sql/pglite";
import { type Chunk, StorageError } from "@threadmill/core";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import {
  createPgliteAdapter,
  createPostgresAdapter,
  MIGRATIONS,
  migrate,
  type SqlAdapter,
} from "../src/index.js";
import { dueJobsSql } from "../src/sql-job-cleanup.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();
const chunk = (id: string) => ({ id, conversationId: "c", text: id }) as unknown as Chunk;

/** A job that ran, wrote `chunkIds` and succeeded. */
async function finished(adapter: SqlAdapter, tenant: string, chunkIds: string[] = []) {
  const { job } = await adapter.jobs.create({
    tenant,
    pipeline: "import",
    input: { kind: "file", path: "x" },
  });
  const claim = await adapter.queue.claim("w", 30_000, { tenant, jobId: job.id });
  await adapter.chunks.upsert(claim!.lease, chunkIds.map(chunk));
  await adapter.queue.complete(claim!.lease, { status: "succeeded" });
  return job.id;
}

describe.skipIf(unreachable !== null)(`admin on Postgres${unreachable ? ` (${unreachable})` : ""}`, () => {
  const sql = unreachable ? (null as never) : testClient();
  const open = async () => {
    const schema = uniqueSchema(sql, "admin");
    await migrate(sql, { schema });
    return { schema, adapter: createPostgresAdapter({ sql, schema }) };
  };

  it("migration 8 upgrades a schema at version 7 with the cleanup's index, which the cleanup's pick uses; its SQL runs again unchanged", async () => {
    const schema = uniqueSchema(sql, "finished");
    const s = `"${schema}"`;
    await sql.unsafe(`create schema ${s};
      create table ${s}.migrations (version integer primary key, name text not null,
        applied_at timestamptz not null default now())`);
    for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
      await sql.unsafe(m.sql(s));
      await sql.unsafe(`insert into ${s}.migrations (version, name) values ($1, $2)`, [m.version, m.name]);
    }
    const latest = MIGRATIONS.at(-1)!.version;
    const later = MIGRATIONS.filter((m) => m.version >= 8).map((m) => m.version);
    expect(await migrate(sql, { schema })).toEqual({ applied: later, version: latest });
    await sql.unsafe(MIGRATIONS.find((m) => m.version === 8)!.sql(s));
    expect(await migrate(sql, { schema })).toEqual({ applied: [], version: latest });
    const [index] = await sql.unsafe<{ indexdef: string }[]>(
      "select indexdef from pg_indexes where schemaname = $1 and indexname = 'jobs_finished'",
      [schema],
    );
    expect(index?.indexdef).toContain("(finished_at, id) WHERE");
    // The pick's status list must imply the partial index's predicate, or the planner cannot use it.
    const plan = await sql.begin(async (tx) => {
      await tx.unsafe("set local enable_seqscan = off");
      return tx.unsafe<{ "QUERY PLAN": string }[]>(`explain ${dueJobsSql(s)}`, [0, 10]);
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("jobs_finished");
  });

  it("cleanup skips a job another transaction holds, and then leaves its records alone", async () => {
    const { schema, adapter } = await open();
    const id = await finished(adapter, "t", ["k1"]);
    await sql.begin(async (tx) => {
      // A concurrent cleanup (or retry) holding the job row: this cleanup must not wait or delete.
      await tx.unsafe(`select id from "${schema}".jobs where id = $1 for update`, [id]);
      expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toEqual({ jobs: 0, more: false, removed: [] });
    });
    expect(await adapter.chunks.list("t", { jobId: id })).toEqual([chunk("k1")]);
    expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toEqual({
      jobs: 1,
      more: false,
      removed: [{ tenant: "t", jobId: id }],
    });
    expect(await adapter.chunks.list("t")).toEqual([]);
  });

  it("concurrent cleanups delete each job once, and a retry racing them finds the job gone or keeps it whole", async () => {
    const { adapter } = await open();
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => finished(adapter, "t", [`k${i}`])));
    const [a, b, retried] = await Promise.all([
      adapter.admin.cleanup({ olderThanMs: 0 }),
      adapter.admin.cleanup({ olderThanMs: 0 }),
      Promise.all(ids.slice(0, 4).map((id) => adapter.jobs.retry("t", id))),
    ]);
    const kept = retried.filter((job) => job !== null && job.status === "queued");
    expect(a.jobs + b.jobs).toBe(ids.length - kept.length);
    // Each job is reported once, by the call that removed it.
    const reported = [...a.removed, ...b.removed].map((r) => r.jobId).sort();
    expect(reported).toEqual(ids.filter((id) => !kept.some((j) => j!.id === id)).sort());
    for (const job of kept) {
      expect(await adapter.chunks.count("t", { jobId: job!.id })).toBe(1);
    }
    expect((await adapter.jobs.list("t")).map((j) => j.id).sort()).toEqual(kept.map((j) => j!.id).sort());
  });

  it("check counts this version's applied migrations, reports 0 for an unmigrated schema, and throws StorageError when unreachable", async () => {
    const { adapter } = await open();
    expect(await adapter.admin.check()).toEqual({
      migrations: { applied: MIGRATIONS.length, expected: MIGRATIONS.length },
    });
    const bare = createPostgresAdapter({ sql, schema: uniqueSchema(sql, "bare") });
    expect(await bare.admin.check()).toEqual({ migrations: { applied: 0, expected: MIGRATIONS.length } });
    const bad = postgres("postgres://postgres@127.0.0.1:1/test", {
      prepare: false,
      max: 1,
      connect_timeout: 2,
    });
    afterAll(async () => {
      await bad.end({ timeout: 1 });
    });
    const error = await createPostgresAdapter({ sql: bad })
      .admin.check()
      .catch((e: unknown) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("[threadmill] [postgres] admin.check failed");
  });
});

describe("admin on PGlite", () => {
  it("check reads the migrations; a closed adapter throws StorageError", async () => {
    const db = new PGlite();
    try {
      const adapter = await createPgliteAdapter({ pglite: db });
      expect(await adapter.admin.check()).toEqual({
        migrations: { applied: MIGRATIONS.length, expected: MIGRATIONS.length },
      });
      await adapter.close();
      await expect(adapter.admin.find()).rejects.toSatisfy((e) => StorageError.isInstance(e));
    } finally {
      await db.close();
    }
  });
});
