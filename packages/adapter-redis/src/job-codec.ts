import type { Job, JobStatus } from "@threadmill/core";

const parse = <T>(text: string | undefined, fallback: T): T =>
  text === undefined || text === "" ? fallback : (JSON.parse(text) as T);
const num = (text: string | undefined): number | null =>
  text === undefined || text === "" ? null : Number(text);

/** Turns a job hash (HGETALL's flat `[field, value, ...]` reply) into a `Job`. */
export function decodeJob(flat: readonly unknown[]): Job {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[String(flat[i])] = String(flat[i + 1]);
  return {
    id: h.id!,
    tenant: h.tenant!,
    pipeline: h.pipeline!,
    input: parse(h.input, { kind: "unknown" }),
    options: parse(h.options, {}),
    idempotencyKey: h.idem ?? null,
    singletonKey: h.single ?? null,
    priority: Number(h.priority ?? 0),
    maxAttempts: Number(h.maxAttempts ?? 5),
    status: h.status as JobStatus,
    attempts: Number(h.attempts ?? 0),
    epoch: Number(h.epoch ?? 0),
    runAt: Number(h.runAt ?? 0),
    workerId: h.workerId ?? null,
    leaseExpiresAt: num(h.leaseExp),
    cancelRequested: h.cancel === "1",
    stage: h.stage ?? null,
    progress: parse(h.progress, null),
    counts: parse(h.counts, {}),
    result: parse(h.result, null),
    error: parse(h.error, null),
    createdAt: Number(h.createdAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    finishedAt: num(h.finishedAt),
  };
}
