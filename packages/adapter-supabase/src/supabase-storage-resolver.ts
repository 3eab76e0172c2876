import type { Source, SourceRef } from "@threadmill/core";
import {
  createSupabaseStorageSource,
  type SupabaseStorageClientLike,
  type SupabaseStorageSourceOptions,
} from "./supabase-storage-source.js";

/**
 * The runner's resolver for `{ kind: "supabase", bucket, path }` job inputs.
 * @example
 * createRunner({ store, pipelines, sources: { supabase: supabaseStorageResolver(supabase) } });
 */
export function supabaseStorageResolver(
  client: SupabaseStorageClientLike,
  options: Pick<SupabaseStorageSourceOptions, "expiresInSeconds" | "fetch"> = {},
): (ref: SourceRef) => Source {
  return (ref) => {
    const { bucket, path } = ref as { bucket?: unknown; path?: unknown };
    if (typeof bucket !== "string" || typeof path !== "string") {
      throw new TypeError('[threadmill] a "supabase" source needs { bucket, path }');
    }
    return createSupabaseStorageSource({ client, bucket, path, ...options });
  };
}
