import { StorageError } from "@threadmill/core";
import postgres, { type Sql } from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresAdapter, MIGRATIONS, migrate } from "../src/index.js";
import { POSTGRES_URL, probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(`migrate on Postgres${unreachable ? ` (${unreachable})` : ""}`, () => {
  const sql = unreachable ? (null as never) : testClient();

  it("applies every step once; a second run applies nothing (idempotent)", async () => {
    const schema = uniqueSchema(sql, "mig");
    const first = await migrate(sql, { schema });
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await migrate(sql, { schema });
    expect(second).toEqual({ applied: [], version: MIGRATIONS.at(-1)!.version });
    const tables = await sql.unsafe<{ table_name: string }[]>(
      "select table_name from information_schema.tables where table_schema = $1 order by 1",
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "checkpoints",
      "chunk_jobs",
      "chunks",
      "conversation_jobs",
      "conversations",
      "events",
      "fact_jobs",
      "facts",
      "job_purges",
      "jobs",
      "library_version_jobs",
      "library_versions",
      "migrations",
      "rate_limit_holds",
      "rate_limit_tats",
      "rate_limits",
      "spend_buckets",
      "spend_caps",
      "spend_reservations",
    ]);
    const withoutTenant = await sql.unsafe<{ table_name: string }[]>(
      `select t.table_name from information_schema.tables t where t.table_schema = $1 and t.table_name <> 'migrations'
         and not exists (select 1 from information_schema.columns c where c.table_schema = t.table_schema
                         and c.table_name = t.table_name and c.column_name = 'tenant')`,
      [schema],
    );
    // A rate limiter is shared by every tenant: its state has no tenant and users may not read it.
    expect(withoutTenant.map((t) => t.table_name).sort()).toEqual(["rate_limit_holds", "rate_limit_tats"]);
  });

  it("migration 6 upgrades a schema at version 5 (facts tables from migration 1, a fact in them): the chunks' membership index, RLS and grants; its SQL runs again unchanged", async () => {
    const schema = uniqueSchema(sql, "facts");
    const s = `"${schema}"`;
    // The schema as migrate() left it before migration 6 shipped.
    await sql.unsafe(`create schema ${s};
      create table ${s}.migrations (version integer primary key, name text not null,
        applied_at timestamptz not null default now())`);
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
      await sql.unsafe(m.sql(s));
      await sql.unsafe(`insert into ${s}.migrations (version, name) values ($1, $2)`, [m.version, m.name]);
    }
    const old = {
      body: '{"id": "f-old", "firstSeen": "2024-01-02T03:04:05.678Z"}',
      paths: '[["firstSeen"]]',
    };
    await sql.unsafe(
      `insert into ${s}.facts (tenant, id, body, date_paths) values ('t', 'f-old', $1::text::jsonb, $2::text::jsonb)`,
      [old.body, old.paths],
    );
    await sql.unsafe(`insert into ${s}.fact_jobs (tenant, job_id, fact_id) values ('t', 'j-old', 'f-old')`);

    const latest = MIGRATIONS.at(-1)!.version;
    const later = MIGRATIONS.filter((m) => m.version >= 6).map((m) => m.version);
    expect(await migrate(sql, { schema })).toEqual({ applied: later, version: latest });
    await sql.unsafe(MIGRATIONS.find((m) => m.version === 6)!.sql(s));
    expect(await migrate(sql, { schema })).toEqual({ applied: [], version: latest });

    const indexes = await sql.unsafe<{ indexdef: string }[]>(
      "select indexdef from pg_indexes where schemaname = $1 and tablename = 'fact_jobs' order by indexname",
      [schema],
    );
    expect(indexes.map((i) => i.indexdef.replace(`${schema}.`, ""))).toEqual([
      "CREATE UNIQUE INDEX fact_jobs_pkey ON fact_jobs USING btree (tenant, job_id, fact_id)",
      "CREATE INDEX fact_jobs_record ON fact_jobs USING btree (tenant, fact_id)",
    ]);
    // Facts are secured exactly as chunks: row-level security, the one policy, the same grants.
    expect(await tableSecurity(sql, schema, "facts", "fact_jobs")).toEqual(
      await tableSecurity(sql, schema, "chunks", "chunk_jobs"),
    );
    expect(await tableSecurity(sql, schema, "facts", "fact_jobs")).toMatchObject({
      rls: [true, true],
      policies: [expect.any(String), expect.any(String)],
    });

    const adapter = createPostgresAdapter({ sql, schema });
    expect(await adapter.facts.get("t", ["f-old"])).toEqual([
      { id: "f-old", firstSeen: new Date("2024-01-02T03:04:05.678Z") },
    ]);
    expect(await adapter.facts.count("t", { jobId: "j-old" })).toBe(1);
  });

  it("migration 7 upgrades a schema at version 6 (a chunk in it): the library's tables, their membership index, the chunks' RLS and grants; its SQL runs again unchanged", async () => {
    const schema = uniqueSchema(sql, "library");
    const s = `"${schema}"`;
    // The schema as migrate() left it before migration 7 shipped.
    await sql.unsafe(`create schema ${s};
      create table ${s}.migrations (version integer primary key, name text not null,
        applied_at timestamptz not null default now())`);
    for (const m of MIGRATIONS.filter((m) => m.version <= 6)) {
      await sql.unsafe(m.sql(s));
      await sql.unsafe(`insert into ${s}.migrations (version, name) values ($1, $2)`, [m.version, m.name]);
    }
    await sql.unsafe(`insert into ${s}.chunks (tenant, id, body) values ('t', 'c-old', '{"id": "c-old"}')`);
    await sql.unsafe(`insert into ${s}.chunk_jobs (tenant, job_id, chunk_id) values ('t', 'j-old', 'c-old')`);

    const latest = MIGRATIONS.at(-1)!.version;
    const later = MIGRATIONS.filter((m) => m.version >= 7).map((m) => m.version);
    expect(await migrate(sql, { schema })).toEqual({ applied: later, version: latest });
    await sql.unsafe(MIGRATIONS.find((m) => m.version === 7)!.sql(s));
    expect(await migrate(sql, { schema })).toEqual({ applied: [], version: latest });

    const indexes = await sql.unsafe<{ indexdef: string }[]>(
      `select indexdef from pg_indexes where schemaname = $1 and tablename like 'library%' order by indexname`,
      [schema],
    );
    expect(indexes.map((i) => i.indexdef.replace(`${schema}.`, ""))).toEqual([
      "CREATE UNIQUE INDEX library_version_jobs_pkey ON library_version_jobs USING btree (tenant, job_id, version_id)",
      "CREATE INDEX library_version_jobs_record ON library_version_jobs USING btree (tenant, version_id)",
      "CREATE UNIQUE INDEX library_versions_pkey ON library_versions USING btree (tenant, id)",
    ]);
    const [collation] = await sql.unsafe<{ collation_name: string }[]>(
      `select collation_name from information_schema.columns
       where table_schema = $1 and table_name = 'library_versions' and column_name = 'id'`,
      [schema],
    );
    expect(collation?.collation_name).toBe("C");
    const library = await tableSecurity(sql, schema, "library_versions", "library_version_jobs");
    expect(library).toEqual(await tableSecurity(sql, schema, "chunks", "chunk_jobs"));
    expect(library).toMatchObject({ rls: [true, true], policies: [expect.any(String), expect.any(String)] });

    const adapter = createPostgresAdapter({ sql, schema });
    expect(await adapter.chunks.get("t", ["c-old"])).toEqual([{ id: "c-old" }]);
    expect(await adapter.library.count("t", { library: true })).toBe(0);
  });

  it("20 concurrent migrators (20 connections) on a fresh database apply each step exactly once", async () => {
    const database = `tm_fresh_${process.pid}_${Date.now().toString(36)}`;
    await sql.unsafe(`create database "${database}"`);
    const clients = Array.from({ length: 20 }, () =>
      postgres(POSTGRES_URL.replace(/\/test$/, `/${database}`), {
        prepare: false,
        max: 1,
        onnotice: () => {},
      }),
    );
    try {
      const results = await Promise.all(clients.map((c) => migrate(c)));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.version).sort());
      expect(new Set(results.map((r) => r.version))).toEqual(new Set([MIGRATIONS.at(-1)!.version]));
      const rows = await clients[0]!.unsafe("select version from threadmill.migrations order by version");
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
      await sql.unsafe(`drop database if exists "${database}" with (force)`);
    }
  });

  it("migrate: true on the adapter migrates lazily before its first statement", async () => {
    const schema = uniqueSchema(sql, "lazy");
    const adapter = createPostgresAdapter({ sql, schema, migrate: true });
    const { job } = await adapter.jobs.create({
      tenant: "t",
      pipeline: "import",
      input: { kind: "file", path: "x" },
    });
    expect((await adapter.jobs.get("t", job.id))?.status).toBe("queued");
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(migrate(sql, { schema: 'x"; drop table y; --' })).rejects.toThrow(TypeError);
    expect(() => createPostgresAdapter({ sql, schema: "a b" })).toThrow(TypeError);
  });
});

describe("driver failures", () => {
  it("become StorageError({ adapter: 'postgres' }) whose message carries no password", async () => {
    const bad = postgres("postgres://postgres:s3cr3t-pw@127.0.0.1:1/test", {
      prepare: false,
      max: 1,
      connect_timeout: 2,
    });
    afterAll(async () => {
      await bad.end({ timeout: 1 });
    });
    const adapter = createPostgresAdapter({ sql: bad, schema: "nowhere" });
    const error = await adapter.jobs.get("t", "j").catch((e: unknown) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as StorageError).adapter).toBe("postgres");
    expect((error as StorageError).retriable).toBe(true);
    expect(String((error as Error).message)).not.toContain("s3cr3t");
    expect(String((error as Error).message)).toMatch(/^\[threadmill\] \[postgres\] jobs\.get failed/);
  });
});

/** Row-level security, policies and grants of a record table and its membership table. */
async function tableSecurity(sql: Sql, schema: string, table: string, members: string) {
  const [row] = await sql.unsafe<Record<string, unknown>[]>(
    `select array[(select relrowsecurity from pg_class where oid = format('%I.%I', $1::text, $2::text)::regclass),
                  (select relrowsecurity from pg_class where oid = format('%I.%I', $1::text, $3::text)::regclass)] as rls,
            (select array_agg(p.qual order by p.tablename) from pg_policies p
              where p.schemaname = $1::text and p.tablename in ($2::text, $3::text)) as policies,
            (select array_agg(distinct g.grantee || ':' || g.privilege_type order by g.grantee || ':' || g.privilege_type)
              from information_schema.role_table_grants g
              where g.table_schema = $1::text and g.table_name in ($2::text, $3::text)) as grants`,
    [schema, table, members],
  );
  return row;
}
