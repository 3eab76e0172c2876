import { createRunner } from "@threadmill/core";
import { createSyntheticPipeline, syntheticSource } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import { createPostgresAdapter, listenForJobs, migrate } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(`NOTIFY acceleration${unreachable ? ` (${unreachable})` : ""}`, () => {
  const sql = unreachable ? (null as never) : testClient();

  it("with notify: true, create, release and retry each wake a listener on a direct connection; without it, none does", async () => {
    const schema = uniqueSchema(sql, "notify");
    await migrate(sql, { schema });
    const notifying = createPostgresAdapter({ sql, schema, notify: true });
    const quiet = createPostgresAdapter({ sql, schema });
    let wakes = 0;
    const { unlisten } = await listenForJobs({ sql, schema, onJob: () => wakes++ });
    const waitFor = async (n: number) => {
      const until = Date.now() + 3000;
      while (wakes < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return wakes;
    };
    try {
      await quiet.jobs.create({ tenant: "t", pipeline: "p", input: { kind: "file", path: "q" } });
      await new Promise((r) => setTimeout(r, 200));
      expect(wakes).toBe(0);
      const { job } = await notifying.jobs.create({
        tenant: "t",
        pipeline: "p",
        input: { kind: "file", path: "x" },
      });
      expect(await waitFor(1)).toBe(1);
      const claim = (await notifying.queue.claim("w", 10_000, { tenant: "t", jobId: job.id }))!;
      await notifying.queue.release(claim.lease);
      expect(await waitFor(2)).toBe(2);
      const again = (await notifying.queue.claim("w", 10_000, { tenant: "t", jobId: job.id }))!;
      await notifying.queue.deadLetter(again.lease, { code: "X", name: "X", message: "x", retriable: false });
      await notifying.jobs.retry("t", job.id);
      expect(await waitFor(3)).toBe(3);
    } finally {
      await unlisten();
    }
  });

  it("with listen, queue.onClaimable relays the notifications, so a runner with an hour's poll still starts a new job; close() unlistens", async () => {
    const schema = uniqueSchema(sql, "wake");
    await migrate(sql, { schema });
    const adapter = createPostgresAdapter({ sql, schema, notify: true, listen: sql });
    expect(() => createPostgresAdapter({ sql, schema, listen: {} as never })).toThrow(TypeError);
    const runner = createRunner({
      store: adapter,
      pipelines: { synthetic: createSyntheticPipeline({ items: 2, itemsPerUnit: 1 }) },
      sources: { synthetic: syntheticSource },
      pollMs: 3_600_000,
    });
    // The backend LISTENing on this schema's channel (its last statement), seen from another session.
    const listening = async () =>
      (
        await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where query = ${`listen "threadmill_jobs_${schema}"`}`
      )[0]!.n;
    runner.start({ concurrency: 2 });
    try {
      // The loops' first claims found nothing; they now sleep for up to an hour unless woken.
      await new Promise((r) => setTimeout(r, 300));
      const { job } = await runner.submit({
        tenant: "t",
        pipeline: "synthetic",
        input: { kind: "synthetic" },
      });
      let status = "";
      for (let i = 0; i < 500 && status !== "succeeded"; i++) {
        await new Promise((r) => setTimeout(r, 10));
        status = (await adapter.jobs.get("t", job.id))!.status;
      }
      expect(status).toBe("succeeded");
      expect(await listening()).toBe(1);
    } finally {
      await runner.stop();
      await adapter.close();
    }
    expect(await listening()).toBe(0);
  });
});
