import { after } from "next/server";
import { appRunner } from "../../../lib/runner";
import { currentTenant } from "../../../lib/session";
import { sliceAndChain } from "../../../lib/slices";
import { uploadInput } from "../../../lib/upload-input";
import { SHA256 } from "../../../lib/uploads";

export const runtime = "nodejs";
/** Vercel stops the function here; the slice ends before it (lib/slices.ts). */
export const maxDuration = 300;

/**
 * Creates the import of an upload (with facts when `budgetUsd` is given) and answers at once; the
 * import runs in `after()`, in slices.
 * The idempotency key is the upload's SHA-256, so the same file from two tabs or after a refresh is
 * one job.
 */
export async function POST(request: Request): Promise<Response> {
  const startedAt = Date.now();
  const tenant = await currentTenant();
  if (!tenant) return Response.json({ error: "No session." }, { status: 401 });
  const body = (await request.json().catch(() => null)) as { hash?: unknown; budgetUsd?: unknown } | null;
  const hash = typeof body?.hash === "string" ? body.hash : "";
  if (!SHA256.test(hash))
    return Response.json({ error: "hash must be the upload's SHA-256." }, { status: 400 });
  const budgetUsd = body?.budgetUsd;
  if (budgetUsd !== undefined && !(typeof budgetUsd === "number" && budgetUsd > 0 && budgetUsd <= 1000)) {
    return Response.json(
      { error: "budgetUsd must be a number of dollars above 0, at most 1000." },
      { status: 400 },
    );
  }
  const input = await uploadInput(tenant, hash);
  if (!input)
    return Response.json({ error: "No upload with this SHA-256: upload it first." }, { status: 409 });
  const runner = await appRunner();
  const { job, created } = await runner.submit({
    tenant,
    pipeline: "import",
    input,
    // One job per file and choice: the same file from two tabs or after a refresh is the same job.
    idempotencyKey: budgetUsd === undefined ? `upload:${hash}` : `upload:${hash}:facts`,
    // Facts spend against a hard budget, confirmed by the user after the estimate.
    ...(budgetUsd === undefined ? {} : { options: { facts: { budgetUsd } } }),
  });
  after(() => sliceAndChain(startedAt, maxDuration, new URL(request.url).origin));
  return Response.json({ jobId: job.id, created, status: job.status }, { status: created ? 201 : 200 });
}
