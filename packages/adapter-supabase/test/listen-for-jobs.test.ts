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
});
