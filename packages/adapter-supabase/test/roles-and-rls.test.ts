import { contentHash } from "@threadmill/core";
import fc from "fast-check";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import {
  findPostgresBin,
  startThrowawayCluster,
  type ThrowawayCluster,
} from "./support/throwaway-cluster.js";
import { IN_CI } from "./support/test-postgres.js";

const missing = findPostgresBin()
  ? null
  : "Debian's postgres binaries are missing (/usr/lib/postgresql/*/bin)";
if (missing && IN_CI) throw new Error(`${missing}; CI=true, so this fails instead of skipping`);

// Roles are cluster-wide, so the shared server cannot show the "roles are missing" path twice: these
// tests run in a private cluster made with initdb.
describe.skipIf(missing !== null)("roles and row-level security (throwaway initdb cluster)", () => {
  let cluster: ThrowawayCluster;
  const clients: Sql[] = [];
  const client = (database: string, max = 4): Sql => {
    const sql = postgres(cluster.url(database), { prepare: false, max, onnotice: () => {} });
    clients.push(sql);
    return sql;
  };

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end({ timeout: 2 })));
    await cluster?.stop();
  });

  it("roles missing: 2 databases x 10 concurrent migrators create anon, authenticated and service_role once, tolerating each other", async () => {
    const admin = client("postgres", 1);
    expect(
      await admin`select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')`,
    ).toEqual([]);
    await admin`create database one`;
    await admin`create database two`;
    const migrators = ["one", "two"].flatMap((db) => Array.from({ length: 10 }, () => client(db, 1)));
    const results = await Promise.all(migrators.map((c) => migrate(c)));
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(2);
    const roles = await admin<{ rolname: string; rolbypassrls: boolean; rolcanlogin: boolean }[]>`
      select rolname, rolbypassrls, rolcanlogin from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role') order by rolname`;
    expect(roles).toEqual([
      { rolname: "anon", rolbypassrls: false, rolcanlogin: false },
      { rolname: "authenticated", rolbypassrls: false, rolcanlogin: false },
      { rolname: "service_role", rolbypassrls: true, rolcanlogin: false },
    ]);
  });

  it("a client acting as a user (role authenticated, request.jwt.claims sub) reads only that user's rows; service_role reads all; anon none (fuzzed ids)", async () => {
    const sql = client("one", 2);
    // auth.uid() as Supabase defines it, to show the policies agree with it.
    await sql.unsafe(`create schema if not exists auth;
      create or replace function auth.uid() returns uuid language sql stable as
      $$ select nullif(nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub', '')::uuid $$;
      grant usage on schema auth to anon, authenticated, service_role;`);
    const adapter = createPostgresAdapter({ sql });
    const asRole = async <T>(role: string, sub: string | null, query: string): Promise<T[]> =>
      sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        if (sub !== null) {
          await tx.unsafe("select set_config('request.jwt.claims', $1, true)", [
            JSON.stringify({ sub, role }),
          ]);
        }
        return (await tx.unsafe(query)) as unknown as T[];
      }) as Promise<T[]>;

    const uuid = fc.uuid();
    const anyTenant = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => !s.includes("\u0000"));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.oneof(uuid, anyTenant), { minLength: 2, maxLength: 4 }),
        async (tenants) => {
          try {
            await checkIsolation(tenants);
          } finally {
            for (const tenant of tenants) await adapter.jobs.purgeTenant(tenant);
          }
        },
      ),
      { numRuns: 8 },
    );

    async function checkIsolation(tenants: string[]): Promise<void> {
      const mine = new Map<string, string>();
      for (const tenant of tenants) {
        const { job } = await adapter.jobs.create({
          tenant,
          pipeline: "import",
          input: { kind: "file", path: "x" },
        });
        await adapter.events.append(
          { tenant, jobId: job.id },
          { type: "queued", attempt: 0, epoch: 0, at: 1 },
        );
        const claim = (await adapter.queue.claim("w", 30_000, { tenant, jobId: job.id }))!;
        const id = contentHash(tenant);
        await adapter.conversations.upsert(claim.lease, [
          {
            id,
            source: "chatgpt",
            title: null,
            createdAt: null,
            updatedAt: null,
            model: null,
            instructions: null,
            messages: [],
          },
        ]);
        await adapter.chunks.upsert(claim.lease, [
          {
            id,
            conversationId: id,
            branchId: null,
            index: 0,
            text: "t",
            tokens: 1,
            overlap: 0,
            messageIds: [],
            startAt: null,
            endAt: null,
          },
        ]);
        await adapter.facts.upsert(claim.lease, [
          {
            id,
            subject: "user",
            predicate: "lives_in",
            object: tenant,
            confidence: 1,
            sources: [{ conversationId: id, messageId: "m" }],
            firstSeen: new Date(0),
            lastSeen: new Date(0),
            supersededBy: null,
          },
        ]);
        await adapter.library.upsert(claim.lease, [
          {
            id,
            conversationId: id,
            fingerprint: id,
            rawHash: null,
            settings: "s",
            chunkIds: [id],
            jobId: job.id,
            change: "new",
            replacedChunkIds: [],
            messages: 0,
            createdAt: new Date(0),
          },
        ]);
        await adapter.library.updateMembership(claim.lease, { addToLibrary: [id] });
        await adapter.checkpoints.save(claim.lease, {
          stage: "import",
          cursors: {},
          completed: [],
          counts: {},
        });
        mine.set(tenant, job.id);
      }
      for (const tenant of tenants) {
        for (const table of [
          "jobs",
          "events",
          "checkpoints",
          "conversations",
          "conversation_jobs",
          "chunks",
          "chunk_jobs",
          "facts",
          "fact_jobs",
          "library_versions",
          "library_version_jobs",
        ]) {
          const seen = await asRole<{ tenant: string }>(
            "authenticated",
            tenant,
            `select distinct tenant from threadmill.${table}`,
          );
          expect(seen.map((r) => r.tenant)).toEqual([tenant]);
        }
        const jobs = await asRole<{ id: string }>("authenticated", tenant, "select id from threadmill.jobs");
        expect(jobs.map((r) => r.id)).toEqual([mine.get(tenant)]);
        if (/^[0-9a-f-]{36}$/.test(tenant)) {
          const viaUid = await asRole<{ n: number }>(
            "authenticated",
            tenant,
            "select count(*)::int as n from threadmill.jobs where tenant = auth.uid()::text",
          );
          expect(viaUid[0]!.n).toBe(1);
        }
      }
      const all = await asRole<{ tenant: string }>(
        "service_role",
        null,
        "select distinct tenant from threadmill.jobs",
      );
      for (const tenant of tenants) expect(all.map((r) => r.tenant)).toContain(tenant);
      expect(await asRole("anon", null, "select id from threadmill.jobs")).toEqual([]);
      expect(await asRole("authenticated", null, "select id from threadmill.jobs")).toEqual([]);
    }
  });

  it("authenticated cannot write: RLS plus grants keep writes to the service", async () => {
    const sql = client("one", 1);
    for (const table of ["jobs", "library_versions", "library_version_jobs"]) {
      const write = sql.begin(async (tx) => {
        await tx.unsafe("set local role authenticated");
        await tx.unsafe("select set_config('request.jwt.claims', '{\"sub\":\"u1\"}', true)");
        await tx.unsafe(`delete from threadmill.${table}`);
      });
      await expect(write).rejects.toThrow(/permission denied/);
    }
  });

  it("only service_role (and the owner) may call the queue functions: authenticated and anon cannot claim or complete, even their own job", async () => {
    const sql = client("one", 1);
    const adapter = createPostgresAdapter({ sql });
    const { job } = await adapter.jobs.create({
      tenant: "u1",
      pipeline: "p",
      input: { kind: "file", path: "x" },
    });
    const calls = [
      "select * from threadmill.claim('w', 1000)",
      `select * from threadmill.claim('w', 1000, 'u1', '${job.id}')`,
      `select * from threadmill.complete_and_claim('u1', '${job.id}', 0, 'succeeded', 'null', 1000, 'w', 1000)`,
    ];
    for (const role of ["authenticated", "anon"]) {
      for (const call of calls) {
        const attempt = sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe("select set_config('request.jwt.claims', '{\"sub\":\"u1\"}', true)");
          await tx.unsafe(call);
        });
        await expect(attempt).rejects.toThrow(/permission denied for function/);
      }
    }
    expect((await adapter.jobs.get("u1", job.id))?.status).toBe("queued");
    const claimed = await sql.begin(async (tx) => {
      await tx.unsafe("set local role service_role");
      return tx.unsafe<{ id: string; epoch: number }[]>(calls[1]!);
    });
    expect(claimed.map((r) => [r.id, r.epoch])).toEqual([[job.id, 1]]);
  });

  it("limits: users read only their tenant's spend rows and no rate-limiter state; only service_role calls the limits functions", async () => {
    const sql = client("one", 1);
    const adapter = createPostgresAdapter({ sql });
    for (const tenant of ["u1", "u2"]) {
      await adapter.spend.setCaps({ tenant }, { microUsd: 1_000 });
      await adapter.spend.reserve({
        id: `r-${tenant}`,
        scope: { tenant, jobId: "j" },
        amount: { microUsd: 5, tokens: 1 },
        ttlMs: 60_000,
      });
    }
    const charges = JSON.stringify([{ kind: "rate", key: "g:r", emissionMs: 10, toleranceMs: 100, cost: 1 }]);
    expect(
      (await adapter.rateLimits.acquire({ limiter: "rls", holdId: "h", charges: JSON.parse(charges) }))
        .allowed,
    ).toBe(true);
    const asRole = (role: string, query: string) =>
      sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        await tx.unsafe("select set_config('request.jwt.claims', '{\"sub\":\"u1\"}', true)");
        return tx.unsafe(query);
      });
    for (const table of ["spend_caps", "spend_buckets", "spend_reservations"]) {
      const seen = await asRole("authenticated", `select distinct tenant from threadmill.${table}`);
      expect(seen.map((r) => r.tenant)).toEqual(["u1"]);
      await expect(asRole("authenticated", `delete from threadmill.${table}`)).rejects.toThrow(
        /permission denied/,
      );
      expect(await asRole("anon", `select tenant from threadmill.${table} where tenant <> 'u1'`)).toEqual([]);
    }
    const calls = [
      "select threadmill.spend_read('u1', null)",
      "select threadmill.spend_reserve('u1', null, 'x', 1, 1, 1000)",
      `select threadmill.rate_limit_acquire('rls', 'h2', '${charges}')`,
      "select threadmill.rate_limit_release('rls', '[]', 'h')",
    ];
    for (const role of ["authenticated", "anon"]) {
      for (const table of ["rate_limit_tats", "rate_limit_holds"]) {
        await expect(asRole(role, `select * from threadmill.${table}`)).rejects.toThrow(
          /permission denied for table/,
        );
      }
      for (const call of calls) {
        await expect(asRole(role, call)).rejects.toThrow(/permission denied for function/);
      }
    }
    for (const call of calls) await asRole("service_role", call);
    expect(
      (await asRole("service_role", "select key from threadmill.rate_limit_tats where limiter = 'rls'"))
        .length,
    ).toBe(1);
    expect((await adapter.spend.read({ tenant: "u1" })).reserved).toEqual({ microUsd: 6, tokens: 2 });
  });
});
