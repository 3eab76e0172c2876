import { PGlite } from "@electric-sql/pglite";
import { LIBRARY_MEMBERSHIP, type Lease, LeaseLostError, type LibraryVersion } from "@threadmill/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPgliteAdapter, createPostgresAdapter, migrate, type SqlAdapter } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

function version(id: string, jobId = "j"): LibraryVersion {
  return {
    id,
    conversationId: `c-${id}`,
    fingerprint: `fp-${id}`,
    rawHash: null,
    settings: "s",
    chunkIds: [`${id}-0`],
    jobId,
    change: "new",
    replacedChunkIds: [],
    messages: 0,
    createdAt: new Date("2026-01-02T03:04:05.678Z"),
  };
}

async function claimNew(adapter: SqlAdapter, tenant: string): Promise<{ jobId: string; lease: Lease }> {
  const { job } = await adapter.jobs.create({
    tenant,
    pipeline: "import",
    input: { kind: "file", path: "x" },
  });
  const claim = await adapter.queue.claim("w", 30_000, { tenant, jobId: job.id });
  return { jobId: job.id, lease: claim!.lease };
}

const isLeaseLost = (call: Promise<unknown>) =>
  call.then(
    () => false,
    (e: unknown) => LeaseLostError.isInstance(e),
  );

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

/** The membership rows of the tenant's library versions, read with plain SQL. */
type RawRows = (tenant: string) => Promise<string[]>;

/** updateMembership, library listing and the purges' rule that library membership is no reference. */
function describeLibrary(open: () => Promise<{ adapter: SqlAdapter; raw: RawRows }>): void {
  it("updateMembership holds, adds and removes in one call; ids the tenant lacks are skipped; add wins; idempotent", async () => {
    const { adapter, raw } = await open();
    const first = await claimNew(adapter, "t");
    await adapter.library.upsert(first.lease, [version("a"), version("b"), version("c")]);
    await adapter.library.upsert((await claimNew(adapter, "other")).lease, [version("x")]);
    await adapter.library.updateMembership(first.lease, { addToLibrary: ["a", "b"] });
    const second = await claimNew(adapter, "t");
    const change = {
      hold: ["a", "c", "missing", "x"],
      addToLibrary: ["c", "b", "missing", "x"],
      removeFromLibrary: ["a", "b", "missing"],
    };
    for (let i = 0; i < 2; i++) {
      await adapter.library.updateMembership(second.lease, change);
      expect(ids(await adapter.library.list("t", { library: true }))).toEqual(["b", "c"]);
      expect(await adapter.library.count("t", { library: true })).toBe(2);
      expect(ids(await adapter.library.list("t", { jobId: second.jobId }))).toEqual(["a", "c"]);
      expect(await raw("t")).toEqual(
        [
          `${first.jobId}:a`,
          `${first.jobId}:b`,
          `${first.jobId}:c`,
          `${LIBRARY_MEMBERSHIP}:b`,
          `${LIBRARY_MEMBERSHIP}:c`,
          `${second.jobId}:a`,
          `${second.jobId}:c`,
        ].sort(),
      );
    }
    expect(await raw("other")).toHaveLength(1);
    // jobId wins over library; paging by `after` and `limit` as for a job.
    expect(ids(await adapter.library.list("t", { library: true, jobId: first.jobId }))).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(ids(await adapter.library.list("t", { library: true, after: "b", limit: 5 }))).toEqual(["c"]);
    expect(await adapter.library.list("t", { library: true })).toStrictEqual([version("b"), version("c")]);
    await adapter.library.updateMembership(second.lease, {});
    expect(await adapter.library.count("t", { library: true })).toBe(2);
  });

  it("updateMembership under a superseded lease or an ended job throws LeaseLostError and changes nothing", async () => {
    const { adapter, raw } = await open();
    const old = await claimNew(adapter, "t");
    await adapter.library.upsert(old.lease, [version("a"), version("b")]);
    await adapter.library.updateMembership(old.lease, { addToLibrary: ["a"] });
    await adapter.queue.release(old.lease);
    const current = await adapter.queue.claim("w2", 30_000, { tenant: "t", jobId: old.jobId });
    const before = await raw("t");
    const error = await adapter.library
      .updateMembership(old.lease, { hold: ["b"], addToLibrary: ["b"], removeFromLibrary: ["a"] })
      .catch((e: unknown) => e);
    expect(LeaseLostError.isInstance(error)).toBe(true);
    expect((error as LeaseLostError).currentEpoch).toBe(current!.lease.epoch);
    expect(await isLeaseLost(adapter.library.updateMembership(old.lease, {}))).toBe(true);
    await adapter.queue.complete(current!.lease, { status: "succeeded" });
    expect(await isLeaseLost(adapter.library.updateMembership(current!.lease, { addToLibrary: ["b"] }))).toBe(
      true,
    );
    expect(await raw("t")).toEqual(before);
  });

  it("purgeJob: library membership is no reference; a record a later job holds stays (store purge and job purge)", async () => {
    const { adapter, raw } = await open();
    for (const purge of [
      (tenant: string, jobId: string) => adapter.library.purgeJob(tenant, jobId),
      async (tenant: string, jobId: string) => {
        await adapter.jobs.purge(tenant, jobId);
      },
    ]) {
      await adapter.library.purgeTenant("t");
      const first = await claimNew(adapter, "t");
      await adapter.library.upsert(first.lease, [version("only"), version("held"), version("shared")]);
      await adapter.library.updateMembership(first.lease, { addToLibrary: ["only", "held", "shared"] });
      const second = await claimNew(adapter, "t");
      await adapter.library.upsert(second.lease, [version("shared")]);
      await adapter.library.updateMembership(second.lease, { hold: ["held"] });
      await purge("t", first.jobId);
      expect(ids(await adapter.library.list("t"))).toEqual(["held", "shared"]);
      expect(ids(await adapter.library.list("t", { library: true }))).toEqual(["held", "shared"]);
      expect(await raw("t")).toEqual(
        [
          `${LIBRARY_MEMBERSHIP}:held`,
          `${LIBRARY_MEMBERSHIP}:shared`,
          `${second.jobId}:held`,
          `${second.jobId}:shared`,
        ].sort(),
      );
      await purge("t", second.jobId);
      expect(await adapter.library.count("t")).toBe(0);
      expect(await adapter.library.count("t", { library: true })).toBe(0);
      expect(await raw("t")).toEqual([]);
    }
  });

  it("purgeTenant and jobs.purgeTenant remove the tenant's versions and every membership, the library's too", async () => {
    const { adapter, raw } = await open();
    for (const purge of [
      (tenant: string) => adapter.library.purgeTenant(tenant),
      async (tenant: string) => {
        await adapter.jobs.purgeTenant(tenant);
      },
    ]) {
      for (const tenant of ["t", "u"]) {
        const job = await claimNew(adapter, tenant);
        await adapter.library.upsert(job.lease, [version("a")]);
        await adapter.library.updateMembership(job.lease, { addToLibrary: ["a"] });
      }
      await purge("t");
      expect(await adapter.library.count("t")).toBe(0);
      expect(await raw("t")).toEqual([]);
      expect(await adapter.library.count("u", { library: true })).toBe(1);
      await adapter.library.purgeTenant("u");
    }
  });
}

describe("library membership on PGlite", () => {
  const db = new PGlite();
  afterAll(async () => {
    await db.close();
  });
  let n = 0;
  describeLibrary(async () => {
    n += 1;
    const schema = `lib_${n}`;
    const adapter = await createPgliteAdapter({ pglite: db, schema });
    const raw: RawRows = async (tenant) =>
      (
        await db.query<{ m: string }>(
          `select job_id || ':' || version_id as m from ${schema}.library_version_jobs where tenant = $1
`,
          [tenant],
        )
      ).rows
        .map((r) => r.m)
        .sort();
    return { adapter, raw };
  });
});

describe.skipIf(unreachable !== null)(
  `library membership on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();
    const openPostgres = async () => {
      const schema = uniqueSchema(sql, "lib");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const raw: RawRows = async (tenant) =>
        (
          await sql.unsafe<{ m: string }[]>(
            `select job_id || ':' || version_id as m from "${schema}".library_version_jobs where tenant = $1
`,
            [tenant],
          )
        )
          .map((r) => r.m)
          .sort();
      return { adapter, raw, schema };
    };
    describeLibrary(openPostgres);

    it("a concurrent reader sees all of an updateMembership or none of it (its inserts held up 500 ms by a trigger)", async () => {
      const { adapter, schema } = await openPostgres();
      const s = `"${schema}"`;
      const first = await claimNew(adapter, "t");
      await adapter.library.upsert(first.lease, [version("a"), version("b"), version("c")]);
      await adapter.library.updateMembership(first.lease, { addToLibrary: ["a", "b"] });
      // Every insert into the membership waits: a change split in statements would show its removal
      // (committed) while its additions still wait.
      await sql.unsafe(`create function ${s}.slow() returns trigger language plpgsql as
        $$ begin perform pg_sleep(0.5); return null; end $$;
      create trigger slow after insert on ${s}.library_version_jobs for each statement execute function ${s}.slow()`);
      const second = await claimNew(adapter, "t");
      const change = adapter.library.updateMembership(second.lease, {
        hold: ["b", "c"],
        addToLibrary: ["c"],
        removeFromLibrary: ["a"],
      });
      const seen = new Set<string>();
      const started = Date.now();
      while (Date.now() - started < 400) {
        seen.add(ids(await adapter.library.list("t", { library: true })).join(","));
        seen.add(String(await adapter.library.count("t", { jobId: second.jobId })));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await change;
      expect([...seen].sort()).toEqual(["0", "a,b"]);
      expect(ids(await adapter.library.list("t", { library: true }))).toEqual(["b", "c"]);
      expect(await adapter.library.count("t", { jobId: second.jobId })).toBe(2);
    });
  },
);
