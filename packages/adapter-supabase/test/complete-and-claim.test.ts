import { LeaseLostError } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(
  `queue.completeAndClaim on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();
    const input = { kind: "file", path: "x" } as const;

    it("completes (with its succeeded event) and claims the next job in one statement; null when nothing is left", async () => {
      const schema = uniqueSchema(sql, "cac");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const a = (await adapter.jobs.create({ tenant: "t", pipeline: "p", input })).job;
      const b = (await adapter.jobs.create({ tenant: "u", pipeline: "p", input })).job;
      const first = (await adapter.queue.claim("w", 10_000))!;
      expect(first.job.id).toBe(a.id);
      const { job, next } = await adapter.queue.completeAndClaim(
        first.lease,
        { status: "succeeded", result: { n: 1 } },
        { workerId: "w", leaseMs: 10_000 },
      );
      expect(job).toMatchObject({ id: a.id, status: "succeeded", result: { n: 1 }, workerId: null });
      expect(next?.job).toMatchObject({ id: b.id, status: "running", epoch: 1, attempts: 1, workerId: "w" });
      expect(next?.lease).toMatchObject({ tenant: "u", jobId: b.id, epoch: 1, workerId: "w" });
      const events = await adapter.events.read("t", a.id, null);
      expect(events.map((e) => e.type)).toEqual(["succeeded"]);
      const last = await adapter.queue.completeAndClaim(
        next!.lease,
        { status: "succeeded" },
        { workerId: "w", leaseMs: 10_000 },
      );
      expect(last.next).toBeNull();
      // Repeated under the same lease (its answer was lost): the job comes back unchanged.
      const again = await adapter.queue.completeAndClaim(
        next!.lease,
        { status: "succeeded" },
        { workerId: "w", leaseMs: 10_000 },
      );
      expect(again.job.status).toBe("succeeded");
      expect((await adapter.events.read("u", b.id, null)).filter((e) => e.type === "succeeded")).toHaveLength(
        1,
      );
    });

    it("under a superseded lease throws LeaseLostError and claims nothing", async () => {
      const schema = uniqueSchema(sql, "cac2");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const a = (await adapter.jobs.create({ tenant: "t", pipeline: "p", input })).job;
      const old = (await adapter.queue.claim("w", 10_000))!;
      await adapter.queue.release(old.lease);
      const current = (await adapter.queue.claim("w2", 10_000))!;
      await adapter.jobs.create({ tenant: "t", pipeline: "p", input });
      const error = await adapter.queue
        .completeAndClaim(old.lease, { status: "succeeded" }, { workerId: "w", leaseMs: 10_000 })
        .catch((e: unknown) => e);
      expect(LeaseLostError.isInstance(error)).toBe(true);
      expect((error as LeaseLostError).currentEpoch).toBe(current.lease.epoch);
      expect((await adapter.jobs.list("t", { status: "queued" })).length).toBe(1);
      expect((await adapter.jobs.get("t", a.id))?.status).toBe("running");
    });
  },
);
