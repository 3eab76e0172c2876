import { appRunner } from "../../../../lib/runner";
import { currentTenant } from "../../../../lib/session";
import { appStore } from "../../../../lib/store";

export const runtime = "nodejs";

interface Params {
  readonly params: Promise<{ id: string }>;
}

/** The job record: status, progress, counts, error. Another tenant's id reads as not found. */
export async function GET(_request: Request, { params }: Params): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return new Response(null, { status: 401 });
  const { id } = await params;
  const job = await (await appStore()).adapter.jobs.get(tenant, id);
  if (!job) return Response.json({ error: "No such import." }, { status: 404 });
  const { input: _input, ...view } = job; // the input names a path on the server: not the browser's business
  return Response.json(view);
}

/** Cancels the import: the running unit stops at its next heartbeat or checkpoint. */
export async function DELETE(_request: Request, { params }: Params): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return new Response(null, { status: 401 });
  const { id } = await params;
  const job = await (await appRunner()).cancel(tenant, id);
  if (!job) return Response.json({ error: "No such import." }, { status: 404 });
  return Response.json({ status: job.status });
}
