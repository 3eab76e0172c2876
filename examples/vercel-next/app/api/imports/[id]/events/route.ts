import { toSSEResponse } from "@threadmill/core";
import { currentTenant } from "../../../../../lib/session";
import { appStore } from "../../../../../lib/store";

export const runtime = "nodejs";
// A stream stays open while the job runs; the browser's EventSource reconnects after this, sending
// Last-Event-ID, and the stream resumes after the last event it saw.
export const maxDuration = 300;
export const dynamic = "force-dynamic";

/** The job's progress events as Server-Sent Events: replayed from the start, or after Last-Event-ID. */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return new Response(null, { status: 401 });
  const { id } = await params;
  const { adapter } = await appStore();
  const url = new URL(request.url);
  return toSSEResponse(adapter, {
    tenant,
    jobId: id,
    lastEventId: request.headers.get("last-event-id") ?? url.searchParams.get("after"),
    signal: request.signal,
  });
}
