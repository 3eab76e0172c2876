import { expect } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { adminCase, finishedJob, openAdmin } from "./admin-fixtures.js";

/** `JobAdmin.find`: every tenant's jobs by status, stuck jobs, pagination. */
export function describeAdminFind(options: AdapterConformanceOptions): void {
  adminCase(
    options,
    "find lists every tenant's jobs newest first, filtered by tenant and status",
    async () => {
      const { adapter, admin } = await openAdmin(options);
      const a = uniqueTenant("a");
      const b = uniqueTenant("b");
      const failedA = await finishedJob(adapter, a, "failed");
      const doneB = await finishedJob(adapter, b, "succeeded");
      const queuedB = (await adapter.jobs.create(spec(b))).job;
      const runningA = await createAndClaim(adapter, a);
      const failedB = await finishedJob(adapter, b, "failed");
      const all = [failedA.job.id, doneB.job.id, queuedB.id, runningA.job.id, failedB.job.id]
        .sort()
        .reverse();

      expect((await admin.find()).map((j) => j.id)).toStrictEqual(all);
      const failed = await admin.find({ status: "failed" });
      expect(failed.map((j) => [j.id, j.tenant, j.status])).toStrictEqual(
        [
          [failedA.job.id, a, "failed"],
          [failedB.job.id, b, "failed"],
        ].sort((x, y) => (String(x[0]) < String(y[0]) ? 1 : -1)),
      );
      expect(failed.find((j) => j.id === failedA.job.id)).toStrictEqual(
        await adapter.jobs.get(a, failedA.job.id),
      );
      expect((await admin.find({ tenant: b })).map((j) => j.id)).toStrictEqual(
        [doneB.job.id, queuedB.id, failedB.job.id].sort().reverse(),
      );
      expect((await admin.find({ tenant: a, status: ["running", "queued"] })).map((j) => j.id)).toStrictEqual(
        [runningA.job.id],
      );
      expect(await admin.find({ status: [] })).toStrictEqual([]);
      expect(await admin.find({ tenant: uniqueTenant("none") })).toStrictEqual([]);

      const page1 = await admin.find({ limit: 2 });
      const page2 = await admin.find({ limit: 2, before: page1[1]?.id });
      const page3 = await admin.find({ limit: 2, before: page2[1]?.id });
      expect([...page1, ...page2, ...page3].map((j) => j.id)).toStrictEqual(all);
    },
  );

  adminCase(
    options,
    "find({ stuck }) reports running jobs whose lease expired and queued jobs long past due",
    async () => {
      const { adapter, admin } = await openAdmin(options);
      const tenant = uniqueTenant();
      const dead = await createAndClaim(adapter, tenant, 200);
      const alive = await createAndClaim(adapter, tenant, 60_000);
      const late = (await adapter.jobs.create(spec(tenant, { runAt: Date.now() - 120_000 }))).job;
      const due = (await adapter.jobs.create(spec(tenant))).job;
      await finishedJob(adapter, tenant, "failed");
      await sleep(400);

      const stuck = await admin.find({ stuck: true, queuedGraceMs: 60_000 });
      expect(stuck.map((j) => j.id)).toStrictEqual([dead.job.id, late.id].sort().reverse());
      expect(stuck.find((j) => j.id === dead.job.id)?.status).toBe("running");
      expect((await admin.find({ stuck: true })).map((j) => j.id)).toStrictEqual([dead.job.id]);
      expect(
        (await admin.find({ stuck: true, status: "queued", queuedGraceMs: 60_000 })).map((j) => j.id),
      ).toStrictEqual([late.id]);
      expect((await admin.find({ stuck: true, tenant: uniqueTenant() })).length).toBe(0);
      // The live lease and the job due now are not stuck.
      expect(stuck.map((j) => j.id)).not.toContain(alive.job.id);
      expect(stuck.map((j) => j.id)).not.toContain(due.id);
    },
  );

  adminCase(options, "find and cleanup reject bad numbers with RangeError", async () => {
    const { admin } = await openAdmin(options);
    await expect(admin.find({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(admin.find({ queuedGraceMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(admin.cleanup({ olderThanMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(admin.cleanup({ olderThanMs: -5 })).rejects.toThrow(RangeError);
    await expect(admin.cleanup({ olderThanMs: 0, limit: Number.POSITIVE_INFINITY })).rejects.toThrow(
      RangeError,
    );
  });

  adminCase(
    options,
    "check answers from the store, with every migration applied where there are any",
    async () => {
      const { admin } = await openAdmin(options);
      const check = await admin.check();
      if (check.migrations) {
        expect(check.migrations.expected).toBeGreaterThan(0);
        expect(check.migrations.applied).toBe(check.migrations.expected);
      }
    },
  );
}
