import { currentTenant } from "../../../lib/session";
import {
  objectExists,
  objectPath,
  resumableEndpoint,
  supabaseClient,
  supabaseStorageConfig,
} from "../../../lib/supabase-storage";
import { SHA256, uploadSize } from "../../../lib/uploads";

export const runtime = "nodejs";

/** Supabase's advice: resumable (TUS) uploads above 6 MB, in chunks of exactly 6 MB. */
const RESUMABLE_ABOVE = 6 * 1024 * 1024;

/**
 * How the browser uploads the file named by `hash`: nothing (already stored), a signed upload to
 * Supabase Storage (a PUT, or TUS above 6 MB) or, without Supabase, the local upload route. A signed
 * URL is minted per upload and never stored; it lets its holder write one object, once.
 */
export async function POST(request: Request): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return Response.json({ error: "No session." }, { status: 401 });
  const body = (await request.json().catch(() => null)) as { hash?: unknown; size?: unknown } | null;
  const hash = typeof body?.hash === "string" ? body.hash : "";
  const size = typeof body?.size === "number" ? body.size : -1;
  if (!SHA256.test(hash) || !(size >= 0)) {
    return Response.json({ error: "hash (the file's SHA-256) and size are required." }, { status: 400 });
  }
  const config = supabaseStorageConfig();
  if (!config) {
    const stored = (await uploadSize(tenant, hash)) !== null;
    return Response.json({ mode: "local", stored, url: `/api/uploads/${hash}` });
  }
  const path = objectPath(tenant, hash);
  if (await objectExists(config, path)) return Response.json({ mode: "supabase", stored: true });
  const client = await supabaseClient(config);
  // upsert: an upload cut short and started again replaces nothing but its own object.
  const { data, error } = await client.storage
    .from(config.bucket)
    .createSignedUploadUrl(path, { upsert: true });
  if (error || !data) return Response.json({ error: "Storage refused to sign the upload." }, { status: 502 });
  return Response.json({
    mode: "supabase",
    stored: false,
    resumable: size > RESUMABLE_ABOVE,
    signedUrl: data.signedUrl,
    token: data.token,
    endpoint: resumableEndpoint(config.url),
    anonKey: config.anonKey,
    bucket: config.bucket,
    path,
  });
}
