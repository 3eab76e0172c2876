import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";
import { ROUNDS } from "./race-rounds.js";

/**
 * Races against a claim: a stale lease's extend, and a requestCancel; each outcome is one of the serial
 * orders.
 */
export function describeClaimRaces(options: AdapterConformanceOptions): void {
  it("an expired lease's extend racing another worker's claim: exactly one of them wins", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claims = await Promise.all(
      Array.from({ length: ROUNDS }, () => createAndClaim(adapter, tenant, 100)),
    );
    await sleep(300);
    for (const [i, old] of claims.entries()) {
      const extending = () => adapter.queue.extend(old.lease, 30_000);
      const claiming = () => adapter.queue.claim("rival", 30_000, { tenant, jobId: old.job.id });
      // Alternate which call is issued first, so both orders occur even on an in-process store.
      const [extended, claimed] =
        i % 2 === 0
          ? await Promise.allSettled([extending(), claiming()])
          : (await Promise.allSettled([claiming(), extending()])).reverse();
      const job = await adapter.jobs.get(tenant, old.job.id);
      if (extended!.status === "fulfilled") {
        expect(claimed).toStrictEqual({ status: "fulfilled", value: null });
        expect(job).toMatchObject({ epoch: old.lease.epoch, workerId: "worker-a" });
      } else {
        expect((extended!.reason as Error).name).toBe("LeaseLostError");
        expect(claimed!.status === "fulfilled" && claimed!.value?.lease.epoch).toBe(old.lease.epoch + 1);
        expect(job).toMatchObject({ epoch: old.lease.epoch + 1, workerId: "rival" });
      }
    }
  });

  it("requestCancel racing a claim: the job is either cancelled unclaimed, or running with cancelRequested", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    for (let i = 0; i < ROUNDS; i++) {
      const { job } = await adapter.jobs.create(spec(tenant));
      // Alternate which call is issued first, so both orders occur even on an in-process store.
      const claiming = () => adapter.queue.claim("w", 30_000, { tenant, jobId: job.id });
      const cancelling = () => adapter.jobs.requestCancel(tenant, job.id);
      const claim =
        i % 2 === 0
          ? (await Promise.all([claiming(), cancelling()]))[0]
          : (await Promise.all([cancelling(), claiming()]))[1];
      const after = await adapter.jobs.get(tenant, job.id);
      const events = await adapter.events.read(tenant, job.id, null);
      if (claim === null) {
        expect(after).toMatchObject({ status: "cancelled", epoch: 0 });
        expect(events.map((e) => e.type)).toStrictEqual(["cancelled"]);
      } else {
        expect(after).toMatchObject({ status: "running", cancelRequested: true, epoch: 1 });
        expect(events).toStrictEqual([]);
      }
    }
  });
}
