import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it } from "vitest";
import { createHeartbeat } from "./heartbeat.js";

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocked event loop
  }
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function claimed() {
  const store = createMemoryAdapter();
  const { job } = await store.jobs.create({ tenant: "t", pipeline: "p", input: { kind: "x" } });
  const claimedAt = performance.now();
  const claim = (await store.queue.claim("w", 300))!;
  return { store, job, claim, claimedAt };
}

describe("createHeartbeat", () => {
  it("renews the lease on its timer, moving expiresAt on the store's clock", async () => {
    const { store, claim, claimedAt } = await claimed();
    const lost: unknown[] = [];
    const hb = createHeartbeat({
      queue: store.queue,
      lease: claim.lease,
      leaseMs: 300,
      renewEveryMs: 50,
      claimedAt,
      onLost: (e) => lost.push(e),
      onCancel: () => {},
    });
    await wait(700);
    hb.stop();
    expect(lost).toEqual([]);
    expect(hb.lease.expiresAt).toBeGreaterThan(claim.lease.expiresAt + 300);
    expect(() => hb.assertValid()).not.toThrow();
  });

  it("reports the cancel flag read at a renewal", async () => {
    const { store, job, claim, claimedAt } = await claimed();
    let cancelled: Error | undefined;
    const hb = createHeartbeat({
      queue: store.queue,
      lease: claim.lease,
      leaseMs: 300,
      renewEveryMs: 40,
      claimedAt,
      onLost: () => {},
      onCancel: (e) => (cancelled = e),
    });
    await store.jobs.requestCancel("t", job.id);
    await wait(150);
    hb.stop();
    expect(cancelled?.name).toBe("CancelledError");
  });

  it("loses the lease when a newer epoch took the job", async () => {
    const { store, claim, claimedAt } = await claimed();
    const lost: Error[] = [];
    const hb = createHeartbeat({
      queue: store.queue,
      lease: claim.lease,
      leaseMs: 300,
      renewEveryMs: 40,
      claimedAt,
      onLost: (e) => lost.push(e),
      onCancel: () => {},
    });
    await store.queue.release(claim.lease);
    await store.queue.claim("other", 300);
    await wait(150);
    hb.stop();
    expect(lost).toHaveLength(1);
    expect(lost[0]?.name).toBe("LeaseLostError");
    expect(() => hb.assertValid()).toThrow(/superseded/);
  });

  it("fences itself when the event loop was blocked past the lease, before the store notices", async () => {
    const { store, claim, claimedAt } = await claimed();
    const lost: Error[] = [];
    const hb = createHeartbeat({
      queue: store.queue,
      lease: claim.lease,
      leaseMs: 300,
      renewEveryMs: 50,
      claimedAt,
      onLost: (e) => lost.push(e),
      onCancel: () => {},
    });
    await wait(60);
    spin(450);
    // No timer has run yet: the synchronous check alone must refuse the lease.
    expect(() => hb.assertValid()).toThrow(/superseded/);
    expect(lost).toHaveLength(1);
    hb.stop();
  });
});
