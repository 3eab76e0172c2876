import { expect, it } from "vitest";
import type { Adapter, JobAdmin } from "@threadmill/core";
import { type AdapterConformanceOptions, createAndClaim, openAdapter } from "../conformance-context.js";

/** The adapter under test and its `admin`, asserted present. */
export async function openAdmin(
  options: AdapterConformanceOptions,
): Promise<{ adapter: Adapter; admin: JobAdmin }> {
  const adapter = await openAdapter(options);
  expect(adapter.admin, `${options.name} has no admin (JobAdmin)`).toBeDefined();
  return { adapter, admin: adapter.admin as JobAdmin };
}

/**
 * Registers a case that needs `adapter.admin`: it runs when the adapter must have one
 * (`requireAdmin`) or has one, and otherwise is skipped naming it.
 */
export function adminCase(
  options: AdapterConformanceOptions,
  title: string,
  body: () => Promise<void>,
  timeout?: number,
): void {
  if (options.requireAdmin) {
    it(title, body, timeout);
    return;
  }
  it(
    title,
    async (ctx) => {
      const probe = await openAdapter(options);
      if (!probe.admin) ctx.skip(`[needs adapter.admin]`);
      await body();
    },
    timeout,
  );
}

/** A job that ran and ended with `status`, with a checkpoint and an event. */
export async function finishedJob(
  adapter: Adapter,
  tenant: string,
  status: "succeeded" | "failed" | "cancelled",
  extra: { idempotencyKey?: string } = {},
) {
  const claim = await createAndClaim(adapter, tenant, 30_000, extra);
  await adapter.checkpoints.save(claim.lease, {
    stage: "import",
    cursors: { import: 1 },
    completed: [],
    counts: {},
  });
  if (status === "failed") {
    await adapter.queue.deadLetter(claim.lease, {
      code: "X",
      name: "Error",
      message: "boom",
      retriable: false,
    });
  } else {
    await adapter.queue.complete(claim.lease, { status });
  }
  return claim;
}
