import { PGlite } from "@electric-sql/pglite";
import type { Chunk, Conversation } from "@threadmill/core";
import { afterAll, describe, expect, it } from "vitest";
import { createSqlAdapter, type SqlAdapter } from "../src/create-sql-adapter.js";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { createPgliteExecutor } from "../src/pglite-executor.js";
import { createPostgresExecutor } from "../src/postgres-executor.js";
import type { PurgeTuning } from "../src/sql-context.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();
const chunk = (id: string) => ({ id, conversationId: "c", text: id }) as unknown as Chunk;
const conversation = (id: string) => ({ id, title: id, messages: [] }) as unknown as Conversation;
const T = "t";

/** An adapter whose purges go in batches of 3 memberships; `crashAfterNextBatch()` makes one throw between batches. */
interface Store {
  readonly adapter: SqlAdapter;
  readonly batches: () => number;
  crashAfterNextBatch(): void;
  /** Raw SQL; `S.` is the schema. */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

type Open = () => Promise<Store>;

function tuning() {
  let batches = 0;
  let crash = false;
  const purge: PurgeTuning = {
    batch: 3,
    afterBatch: () => {
      batches += 1;
      if (crash) {
        crash = false;
        throw new Error("crash between batches");
      }
    },
  };
  return {
    purge,
    batches: () => batches,
    crashAfterNextBatch: () => {
      crash = true;
    },
  };
}

/** A running job of tenant T. */
async function running(adapter: SqlAdapter) {
  const { job } = await adapter.jobs.create({
    tenant: T,
    pipeline: "import",
    input: { kind: "file", path: "x" },
  });
  const claim = await adapter.queue.claim("w", 30_000, { tenant: T, jobId: job.id });
  return { id: job.id, lease: claim!.lease };
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function batchCases(open: Open): void {
  it("cleanup of a job holding more memberships than a batch: a crash between batches leaves the job gone and marked, and the next cleanup finishes and reports it", async () => {
    const store = await open();
    const { adapter } = store;
    const job = await running(adapter);
    const live = await running(adapter);
    await adapter.chunks.upsert(job.lease, ids("j", 10).map(chunk));
    await adapter.conversations.upsert(job.lease, ids("c", 5).map(conversation));
    await adapter.chunks.updateMembership(job.lease, { addToLibrary: ["j0"] });
    await adapter.chunks.upsert(live.lease, [chunk("j1")]);
    await adapter.queue.complete(job.lease, { status: "succeeded" });

    store.crashAfterNextBatch();
    await expect(adapter.admin.cleanup({ olderThanMs: 0 })).rejects.toThrow("crash between batches");
    expect(await adapter.jobs.get(T, job.id)).toBeNull();
    expect(await store.query("select tenant, job_id, keep_library from S.job_purges")).toEqual([
      { tenant: T, job_id: job.id, keep_library: true },
    ]);
    // One batch went: 3 chunk and 3 conversation memberships, and the records only they held.
    expect(await adapter.chunks.count(T, { jobId: job.id })).toBe(7);
    expect(await adapter.conversations.count(T, { jobId: job.id })).toBe(2);
    expect((await adapter.chunks.get(T, ["j0", "j1", "j2", "j3"])).map((c) => c.id)).toEqual([
      "j0",
      "j1",
      "j3",
    ]);

    expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toEqual({
      jobs: 1,
      more: false,
      removed: [{ tenant: T, jobId: job.id }],
    });
    expect(store.batches()).toBe(3); // 10 memberships: 3 (crash), 3, 3, then the last 1
    expect((await adapter.chunks.list(T)).map((c) => c.id)).toEqual(["j0", "j1"]);
    expect((await adapter.chunks.list(T, { library: true })).map((c) => c.id)).toEqual(["j0"]);
    expect((await adapter.chunks.list(T, { jobId: live.id })).map((c) => c.id)).toEqual(["j1"]);
    expect(await adapter.conversations.count(T)).toBe(0);
    expect(await store.query("select * from S.job_purges")).toEqual([]);
    expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toEqual({ jobs: 0, more: false, removed: [] });
  });

  it("a purge that crashed between batches is finished by the next cleanup (the library is no reference for it), and purging again finds nothing", async () => {
    const store = await open();
    const { adapter } = store;
    const job = await running(adapter);
    const live = await running(adapter);
    await adapter.chunks.upsert(job.lease, ids("p", 7).map(chunk));
    await adapter.chunks.updateMembership(job.lease, { addToLibrary: ["p0"] });
    await adapter.chunks.upsert(live.lease, [chunk("p1")]);

    store.crashAfterNextBatch();
    await expect(adapter.jobs.purge(T, job.id)).rejects.toThrow("crash between batches");
    expect(await adapter.jobs.get(T, job.id)).toBeNull();
    expect(await adapter.chunks.count(T, { jobId: job.id })).toBe(4);

    expect(await adapter.admin.cleanup({ olderThanMs: 0 })).toEqual({
      jobs: 1,
      more: false,
      removed: [{ tenant: T, jobId: job.id }],
    });
    expect((await adapter.chunks.list(T)).map((c) => c.id)).toEqual(["p1"]);
    expect(await adapter.chunks.count(T, { library: true })).toBe(0);
    expect(await adapter.jobs.purge(T, job.id)).toBe(false);
    expect(await store.query("select * from S.job_purges")).toEqual([]);
  });

  it("RecordStore.purgeJob goes in batches too; called again after a crash it finishes", async () => {
    const store = await open();
    const { adapter } = store;
    const job = await running(adapter);
    await adapter.chunks.upsert(job.lease, ids("q", 7).map(chunk));
    await adapter.chunks.updateMembership(job.lease, { addToLibrary: ["q6"] });

    store.crashAfterNextBatch();
    await expect(adapter.chunks.purgeJob(T, job.id, { keepLibrary: true })).rejects.toThrow(
      "crash between batches",
    );
    expect(await adapter.chunks.count(T, { jobId: job.id })).toBe(4);
    await adapter.chunks.purgeJob(T, job.id, { keepLibrary: true });
    expect((await adapter.chunks.list(T)).map((c) => c.id)).toEqual(["q6"]);
    expect(await adapter.chunks.count(T, { jobId: job.id })).toBe(0);
    expect(await adapter.chunks.count(T, { library: true })).toBe(1);
  });
}

describe.skipIf(unreachable !== null)(
  `purges in batches on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();

    batchCases(async () => {
      const schema = uniqueSchema(sql, "batch");
      await migrate(sql, { schema });
      const t = tuning();
      const { adapter } = createSqlAdapter(
        "postgres",
        createPostgresExecutor(sql),
        `"${schema}"`,
        t,
        async () => {},
      );
      return {
        adapter,
        ...t,
        query: (text, params = []) => sql.unsafe(text.replaceAll("S.", `"${schema}".`), params as never[]),
      };
    });

    it("a live job upserting and holding records while a cleanup deletes them keeps them: cleanup checks references after locking the records", async () => {
      const schema = uniqueSchema(sql, "race");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const old = await running(adapter);
      await adapter.chunks.upsert(old.lease, [chunk("k-up"), chunk("k-hold"), chunk("k-only")]);
      await adapter.queue.complete(old.lease, { status: "succeeded" });
      const live = await running(adapter);

      // Another transaction holds the old job's memberships, so the cleanup's first statement starts
      // (its snapshot taken, the job row deleted) and then waits on them.
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let onLocked!: () => void;
      const locked = new Promise<void>((resolve) => {
        onLocked = resolve;
      });
      const holder = sql.begin(async (tx) => {
        await tx.unsafe(`select 1 from "${schema}".chunk_jobs where tenant = $1 and job_id = $2 for update`, [
          T,
          old.id,
        ]);
        onLocked();
        await released;
      });
      await locked;
      const cleanup = adapter.admin.cleanup({ olderThanMs: 0 });
      try {
        await waitForLockWaits(schema, 1);
        // Meanwhile the live job writes the same content-hash id and holds another of the old job's records.
        await adapter.chunks.upsert(live.lease, [chunk("k-up")]);
        await adapter.chunks.updateMembership(live.lease, { hold: ["k-hold"] });
      } finally {
        release();
        await holder;
      }

      const result = await cleanup;
      expect((await adapter.chunks.get(T, ["k-up", "k-hold", "k-only"])).map((c) => c.id)).toEqual([
        "k-up",
        "k-hold",
      ]);
      expect((await adapter.chunks.list(T, { jobId: live.id })).map((c) => c.id)).toEqual(["k-hold", "k-up"]);
      expect(result).toEqual({ jobs: 1, more: false, removed: [{ tenant: T, jobId: old.id }] });
    });

    it("a hold racing a purge that already deleted the record (uncommitted) waits for it and skips the record: no membership is left without its record", async () => {
      const schema = uniqueSchema(sql, "hold");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const old = await running(adapter);
      await adapter.chunks.upsert(old.lease, [chunk("x")]);
      await adapter.chunks.updateMembership(old.lease, { addToLibrary: ["x"] });
      const live = await running(adapter);

      // Holding the library's membership of x stops the purge's second statement after it deleted x
      // (its snapshot taken): only the library held x besides the job, and that is no reference here.
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let onLocked!: () => void;
      const locked = new Promise<void>((resolve) => {
        onLocked = resolve;
      });
      const holder = sql.begin(async (tx) => {
        await tx.unsafe(
          `select 1 from "${schema}".chunk_jobs where tenant = $1 and job_id = '~library' for update`,
          [T],
        );
        onLocked();
        await released;
      });
      await locked;
      const purge = adapter.jobs.purge(T, old.id);
      let hold: Promise<unknown> = Promise.resolve();
      try {
        await waitForLockWaits(schema, 1);
        // The live job holds x: it must wait for the purge and then find x gone, not hold a deleted record.
        let settled = false;
        hold = adapter.chunks.updateMembership(live.lease, { hold: ["x"] }).finally(() => {
          settled = true;
        });
        await waitForLockWaits(schema, 2, () => settled);
      } finally {
        release();
        await holder;
      }
      expect(await purge).toBe(true);
      await hold;
      expect(await adapter.chunks.count(T)).toBe(0);
      expect(await adapter.chunks.count(T, { jobId: live.id })).toBe(0);
    });

    /**
     * Until `n` statements on `schema` wait for a lock (`query` holds the first 1 kB of a statement's
     * text), or `done()`.
     */
    async function waitForLockWaits(schema: string, n: number, done = () => false): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !done()) {
        const [row] = await sql.unsafe<{ n: number }[]>(
          `select count(*)::int as n from pg_stat_activity
         where wait_event_type = 'Lock' and query like $1 and pid <> pg_backend_pid()`,
          [`%"${schema}".%`],
        );
        if (Number(row?.n) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!done()) throw new Error(`fewer than ${n} statements waited for a lock`);
    }
  },
);

describe("purges in batches on PGlite", () => {
  const dbs: PGlite[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
  });

  batchCases(async () => {
    const db = new PGlite();
    dbs.push(db);
    const executor = createPgliteExecutor(db);
    await migrate(executor);
    const t = tuning();
    const { adapter } = createSqlAdapter("pglite", executor, '"threadmill"', t, async () => {});
    return {
      adapter,
      ...t,
      query: (text, params = []) => executor.query(text.replaceAll("S.", '"threadmill".'), params),
    };
  });
});
