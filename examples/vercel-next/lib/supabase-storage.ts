import type { SupabaseClient } from "@supabase/supabase-js";

/**
 * Supabase Storage, when configured: uploads go from the browser straight to the bucket with a
 * signed upload URL (resumable, TUS, above 6 MB, as Supabase recommends), never through a function.
 */
export interface SupabaseStorageConfig {
  readonly url: string;
  readonly serviceRoleKey: string;
  /** The public (anon or publishable) key: the resumable endpoint asks for it beside the signature. */
  readonly anonKey: string;
  readonly bucket: string;
}

export function supabaseStorageConfig(env: NodeJS.ProcessEnv = process.env): SupabaseStorageConfig | null {
  const url = env.SUPABASE_URL;
  const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url || !serviceRoleKey) return null;
  return {
    url,
    serviceRoleKey,
    anonKey: env.SUPABASE_ANON_KEY ?? "",
    bucket: env.SUPABASE_BUCKET ?? "exports",
  };
}

const shared = globalThis as { __threadmillSupabase?: Promise<SupabaseClient> };

/** The server's Supabase client (service role: it signs upload and download URLs; never sent to a browser). */
export function supabaseClient(config: SupabaseStorageConfig): Promise<SupabaseClient> {
  shared.__threadmillSupabase ??= import("@supabase/supabase-js").then(({ createClient }) =>
    createClient(config.url, config.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
    }),
  );
  return shared.__threadmillSupabase;
}

/** A tenant's object for an upload: under the tenant's own prefix, named by the file's SHA-256. */
export function objectPath(tenant: string, hash: string): string {
  return `${tenant}/${hash}.export`;
}

/** The endpoint of resumable uploads to a signed URL (the direct storage host on supabase.co, as Supabase advises). */
export function resumableEndpoint(url: string): string {
  const endpoint = new URL(url);
  if (endpoint.hostname.endsWith(".supabase.co") && !endpoint.hostname.endsWith(".storage.supabase.co")) {
    endpoint.hostname = endpoint.hostname.replace(/\.supabase\.co$/, ".storage.supabase.co");
  }
  endpoint.pathname = "/storage/v1/upload/resumable/sign";
  endpoint.search = "";
  return endpoint.toString();
}

/** Whether the object is stored: signing a download of it succeeds only then. */
export async function objectExists(config: SupabaseStorageConfig, path: string): Promise<boolean> {
  const client = await supabaseClient(config);
  const { error } = await client.storage.from(config.bucket).createSignedUrl(path, 10);
  return error === null;
}
