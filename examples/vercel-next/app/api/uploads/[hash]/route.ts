import { currentTenant } from "../../../../lib/session";
import { SHA256, saveUpload, UploadError, uploadSize } from "../../../../lib/uploads";

// Streams to local disk: development and tests. On Vercel, uploads go to Supabase Storage instead.
export const runtime = "nodejs";

interface Params {
  readonly params: Promise<{ hash: string }>;
}

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status });
}

/** Whether this upload is already stored (a second tab or a refresh then skips sending it). */
export async function HEAD(_request: Request, { params }: Params): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return new Response(null, { status: 401 });
  const { hash } = await params;
  if (!SHA256.test(hash)) return new Response(null, { status: 400 });
  const size = await uploadSize(tenant, hash);
  return new Response(null, size === null ? { status: 404 } : { headers: { "x-upload-size": String(size) } });
}

/** Stores the request's body as the upload named by its SHA-256. */
export async function PUT(request: Request, { params }: Params): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return problem(401, "No session.");
  const { hash } = await params;
  if (!request.body) return problem(400, "The upload has no body.");
  try {
    const size = await saveUpload(tenant, hash, request.body);
    return Response.json({ hash, size });
  } catch (error) {
    if (error instanceof UploadError) return problem(error.status, error.message);
    throw error;
  }
}
