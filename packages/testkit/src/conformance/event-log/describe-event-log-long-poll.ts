import { expect, it } from "vitest";
import {
  type AdapterConformanceOptions,
  createAndClaim,
  openAdapter,
  progressEvent,
  sleep,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * EventLog cases of long-polling reads: waiting for the next event, waking promptly when declared, timing
 * out, and aborting.
 */
export function describeEventLogLongPoll(options: AdapterConformanceOptions): void {
  it("read long-polls: it waits for the first new event and returns as soon as one is appended", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const first = await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
    const started = Date.now();
    const pending = adapter.events.read(tenant, claim.job.id, first, { waitMs: 5_000 });
    await sleep(150);
    const id = await adapter.events.append(claim.lease, progressEvent(claim.lease, 2));
    const events = await pending;
    const elapsed = Date.now() - started;
    expect(events.map((e) => e.id)).toStrictEqual([id]);
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(3_000);
  });

  const wakeCase = "a long-poll wakes promptly (within 400 ms) when an event is appended";
  if (options.capabilities?.blockingRead === true) {
    it(wakeCase, async () => {
      const adapter = await openAdapter(options);
      const tenant = uniqueTenant();
      const claim = await createAndClaim(adapter, tenant);
      const latencies: number[] = [];
      let after: string | null = null;
      for (let i = 0; i < 3; i++) {
        const pending = adapter.events.read(tenant, claim.job.id, after, { waitMs: 5_000 });
        await sleep(50);
        const appendedAt = Date.now();
        after = await adapter.events.append(claim.lease, progressEvent(claim.lease, i));
        const events = await pending;
        latencies.push(Date.now() - appendedAt);
        expect(events.map((e) => e.id)).toStrictEqual([after]);
      }
      expect(Math.min(...latencies)).toBeLessThan(400);
    });
  } else {
    it.skip(`${wakeCase} [needs capability blockingRead: this adapter's read polls, so it wakes on its poll interval]`, () => {});
  }

  it("read with waitMs returns nothing after about waitMs when no event comes, and at once without waitMs", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const id = await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
    let started = Date.now();
    expect(await adapter.events.read(tenant, claim.job.id, id, { waitMs: 300 })).toStrictEqual([]);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_500);
    started = Date.now();
    expect(await adapter.events.read(tenant, claim.job.id, id)).toStrictEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("read with waitMs returns existing events at once", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    await adapter.events.append(claim.lease, progressEvent(claim.lease, 1));
    const started = Date.now();
    expect(await adapter.events.read(tenant, claim.job.id, null, { waitMs: 5_000 })).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("an aborted signal ends a long-poll early", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const claim = await createAndClaim(adapter, tenant);
    const controller = new AbortController();
    const started = Date.now();
    const pending = adapter.events
      .read(tenant, claim.job.id, null, { waitMs: 10_000, signal: controller.signal })
      .catch((error: unknown) => error);
    await sleep(100);
    controller.abort();
    const outcome = await pending;
    expect(Date.now() - started).toBeLessThan(3_000);
    if (Array.isArray(outcome)) expect(outcome).toStrictEqual([]);
    else expect((outcome as Error).name).toMatch(/AbortError|CancelledError/);
  });
}
