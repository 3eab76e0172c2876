import type { Source, SourceRef } from "@threadmill/core";
import { z } from "zod";
import {
  createSupabaseStorageSource,
  type SupabaseStorageClientLike,
  type SupabaseStorageSourceOptions,
} from "./supabase-storage-source.js";

const supabaseRef = z.object({
  kind: z.literal("supabase"),
  bucket: z.string().min(1),
  path: z.string().min(1),
});

/**
 * The runner's resolver for `{ kind: "supabase", bucket, path }` job inputs; `submit` rejects a ref
 * without a bucket or path (`JobConfigurationError`, `INVALID_INPUT`) before any job is created.
 * @example
 * createRunner({ store, pipelines, sources: { supabase: supabaseStorageResolver(supabase) } });
 */
export function supabaseStorageResolver(
  client: SupabaseStorageClientLike,
  options: Pick<SupabaseStorageSourceOptions, "expiresInSeconds" | "fetch"> = {},
): ((ref: SourceRef) => Source) & { readonly schema: typeof supabaseRef } {
  const resolve = (ref: SourceRef): Source => {
    // Called directly (outside a runner), nothing has checked the ref yet.
    const { bucket, path } = ref as { bucket?: unknown; path?: unknown };
    if (typeof bucket !== "string" || typeof path !== "string") {
      throw new TypeError('[threadmill] a "supabase" source needs { bucket, path }');
    }
    return createSupabaseStorageSource({ client, bucket, path, ...options });
  };
  return Object.assign(resolve, { schema: supabaseRef });
}
