import { expect, it } from "vitest";
import type { JobSpec } from "@threadmill/core";
import {
  type AdapterConformanceOptions,
  openAdapter,
  sleep,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * JobStore cases of `create` itself: every spec field stored and read back, the documented defaults,
 * unique time-sorted ids, no aliasing.
 */
export function describeJobStoreCreate(options: AdapterConformanceOptions): void {
  it("create stores every spec field and get reads back exactly the created job", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const full: JobSpec = {
      tenant,
      pipeline: "import",
      input: { kind: "url", url: "https://example.com/export.zip?x=ü" },
      options: {
        maxTokens: 512,
        nested: { list: [1, "two", null, true], empty: {} },
        note: "中文 🧵 'q' \"d\"",
      },
      idempotencyKey: "idem-ü-1",
      singletonKey: "single-ü-1",
      priority: 7,
      maxAttempts: 3,
      runAt: Date.now() - 1000,
    };
    const { job, created } = await adapter.jobs.create(full);
    expect(created).toBe(true);
    expect(typeof job.id).toBe("string");
    expect(job).toMatchObject({
      tenant,
      pipeline: "import",
      input: full.input,
      options: full.options,
      idempotencyKey: "idem-ü-1",
      singletonKey: "single-ü-1",
      priority: 7,
      maxAttempts: 3,
      runAt: full.runAt,
      status: "queued",
      attempts: 0,
      epoch: 0,
      workerId: null,
      leaseExpiresAt: null,
      cancelRequested: false,
      stage: null,
      progress: null,
      counts: {},
      result: null,
      error: null,
      finishedAt: null,
    });
    expect(job.createdAt).toBe(job.updatedAt);
    expect(Math.abs(job.createdAt - Date.now())).toBeLessThan(5_000);
    expect(await adapter.jobs.get(tenant, job.id)).toStrictEqual(job);
  });

  it("create applies the documented defaults (options {}, priority 0, maxAttempts 5, runAt now)", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const { job } = await adapter.jobs.create(spec(tenant));
    expect(job.options).toStrictEqual({});
    expect(job.priority).toBe(0);
    expect(job.maxAttempts).toBe(5);
    expect(job.idempotencyKey).toBeNull();
    expect(job.singletonKey).toBeNull();
    expect(job.runAt).toBe(job.createdAt);
  });

  it("job ids are unique and sort by creation time", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await adapter.jobs.create(spec(tenant))).job.id);
      await sleep(3);
    }
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort()).toStrictEqual(ids);
  });

  it("neither the spec passed to create nor a returned job aliases the stored record", async () => {
    const adapter = await openAdapter(options);
    const tenant = uniqueTenant();
    const options_ = { nested: { value: 1 } };
    const { job } = await adapter.jobs.create(spec(tenant, { options: options_ }));
    options_.nested.value = 2;
    (job.options as { nested: { value: number } }).nested.value = 3;
    (job as { status: string }).status = "succeeded";
    const read = await adapter.jobs.get(tenant, job.id);
    expect(read?.options).toStrictEqual({ nested: { value: 1 } });
    expect(read?.status).toBe("queued");
    (read as { status: string }).status = "failed";
    (read!.input as { path: string }).path = "/elsewhere";
    const again = await adapter.jobs.get(tenant, job.id);
    expect(again?.status).toBe("queued");
    expect(again?.input).toStrictEqual(spec(tenant).input);
    const [listed] = await adapter.jobs.list(tenant);
    (listed as { priority: number }).priority = 99;
    expect((await adapter.jobs.get(tenant, job.id))?.priority).toBe(0);
  });
}
