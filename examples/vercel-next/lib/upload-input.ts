import type { Source, SourceRef, SourceResolver } from "@threadmill/core";
import { nodeSources } from "@threadmill/core/node";
import { objectExists, objectPath, supabaseClient, supabaseStorageConfig } from "./supabase-storage";
import { uploadPath, uploadSize } from "./uploads";

/**
 * The job input of a tenant's upload: a reference to the stored object (Supabase Storage when
 * configured, else the local upload), or null when it is not stored (yet). Never a signed URL: the
 * worker signs a fresh one each time it opens the object.
 */
export async function uploadInput(tenant: string, hash: string): Promise<SourceRef | null> {
  const config = supabaseStorageConfig();
  if (config) {
    const path = objectPath(tenant, hash);
    return (await objectExists(config, path)) ? { kind: "supabase", bucket: config.bucket, path } : null;
  }
  return (await uploadSize(tenant, hash)) === null ? null : { kind: "file", path: uploadPath(tenant, hash) };
}

/** The runner's resolver of `{ kind: "supabase" }` inputs, when Supabase is configured. */
export async function storageSources(): Promise<Record<string, SourceResolver>> {
  const config = supabaseStorageConfig();
  if (!config) return {};
  const { supabaseStorageResolver } = await import("@threadmill/adapter-supabase");
  return { supabase: supabaseStorageResolver(await supabaseClient(config)) };
}

/** A stored upload as a readable source (the estimate reads it before any job exists), as a worker opens it. */
export async function uploadSource(input: SourceRef, tenant: string): Promise<Source> {
  const resolve = { ...nodeSources, ...(await storageSources()) }[input.kind];
  if (!resolve) throw new Error(`No source for inputs of kind "${input.kind}".`);
  return resolve(input, { tenant, jobId: "estimate" });
}
