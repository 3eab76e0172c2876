import { type OpenedSource, type Source, StorageError } from "@threadmill/core";

/** The part of a Supabase Storage bucket API the source uses (supabase-js 2.x `storage.from(bucket)`). */
export interface StorageBucketLike {
  createSignedUrl(
    path: string,
    expiresIn: number,
  ): Promise<{ data: { signedUrl: string } | null; error: unknown }>;
}

/** A supabase-js client (`createClient(...)`), or its `storage` client. */
export type SupabaseStorageClientLike =
  | { readonly storage: { from(bucket: string): StorageBucketLike } }
  | { from(bucket: string): StorageBucketLike };

/** Options of `createSupabaseStorageSource`. */
export interface SupabaseStorageSourceOptions {
  /** A supabase-js client (any 2.x) allowed to sign URLs for the object (SELECT on `storage.objects`). */
  readonly client: SupabaseStorageClientLike;
  readonly bucket: string;
  /** The object's path in the bucket. */
  readonly path: string;
  /** Lifetime of each signed URL, in seconds: only long enough to start the download. @default 60 */
  readonly expiresInSeconds?: number;
  /** The fetch used for the download. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

function bucketOf(client: SupabaseStorageClientLike, bucket: string): StorageBucketLike {
  const storage = "storage" in client ? client.storage : client;
  return storage.from(bucket);
}

function parseTotal(contentRange: string | null): number | null {
  const m = contentRange ? /\/(\d+)\s*$/.exec(contentRange) : null;
  return m ? Number(m[1]) : null;
}

/**
 * An export in Supabase Storage, read with `Range` requests. Every `open()` mints a fresh short-lived
 * signed URL, so a job that waited in the queue for hours still downloads; the URL is never stored,
 * never logged and never put in an error message.
 * @example
 * const source = createSupabaseStorageSource({ client: supabase, bucket: "exports", path: `${userId}/export.zip` });
 */
export function createSupabaseStorageSource(options: SupabaseStorageSourceOptions): Source {
  const { bucket, path } = options;
  const expiresIn = options.expiresInSeconds ?? 60;
  const doFetch = options.fetch ?? globalThis.fetch;
  const name = `supabase-storage://${bucket}/${path}`;
  const fail = (operation: string, message: string, retriable: boolean, cause?: unknown) =>
    new StorageError({
      adapter: "supabase-storage",
      operation,
      message: `${name}: ${message}`,
      retriable,
      cause,
    });

  return {
    name,
    async open(openOptions = {}): Promise<OpenedSource> {
      const start = openOptions.start ?? 0;
      if (!Number.isInteger(start) || start < 0)
        throw new RangeError("[threadmill] start must be an integer >= 0");
      let signed: { data: { signedUrl: string } | null; error: unknown };
      try {
        signed = await bucketOf(options.client, bucket).createSignedUrl(path, expiresIn);
      } catch {
        throw fail("sign", "could not create a signed URL", true);
      }
      if (signed.error || !signed.data?.signedUrl) {
        const status = (signed.error as { statusCode?: string | number; status?: number } | null)?.statusCode;
        const notFound =
          String(status) === "404" || /not.?found/i.test(String((signed.error as Error)?.message));
        throw fail(
          "sign",
          notFound
            ? "the object does not exist (check the bucket and path)"
            : `could not create a signed URL (${String((signed.error as Error)?.message ?? "no URL returned").slice(0, 200)})`,
          !notFound,
        );
      }
      let response: Response;
      try {
        response = await doFetch(signed.data.signedUrl, {
          headers: start > 0 ? { Range: `bytes=${start}-` } : {},
          ...(openOptions.signal ? { signal: openOptions.signal } : {}),
        });
      } catch (error) {
        if (openOptions.signal?.aborted) throw error;
        // The cause would carry the signed URL: leave it out.
        throw fail("download", "the download request failed", true);
      }
      if (response.status === 416 && start > 0) {
        await response.body?.cancel();
        const size = parseTotal(response.headers.get("content-range"));
        return { stream: new ReadableStream({ start: (c) => c.close() }), size, offset: start };
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
        throw fail("download", `HTTP ${response.status}`, retriable);
      }
      if (response.status === 206) {
        return {
          stream: response.body,
          size: parseTotal(response.headers.get("content-range")),
          offset: start,
        };
      }
      const length = response.headers.get("content-length");
      return { stream: response.body, size: length === null ? null : Number(length), offset: 0 };
    },
  };
}
