/** What `Source.open` returns. */
export interface OpenedSource {
  /** The bytes from the requested offset to the end. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Total size in bytes, when known. */
  readonly size: number | null;
  /** The offset the stream really starts at: the requested one, or 0 when the source cannot seek. */
  readonly offset: number;
}

/** Bytes of an export, openable again from an offset so a resumed parse seeks instead of re-reading. */
export interface Source {
  /** A name for messages and logs; never a signed URL or a secret. */
  readonly name: string;
  /** Opens the bytes from `start` (default 0). Each call opens afresh (a fresh signed URL, a new file handle). */
  open(options?: { readonly start?: number; readonly signal?: AbortSignal }): Promise<OpenedSource>;
  /**
   * Sources made of several files (an unzipped export directory): the entry names, and an opener per
   * entry. Absent for single-file sources.
   */
  readonly entries?: () => Promise<readonly string[]>;
  readonly openEntry?: (
    entry: string,
    options?: { readonly start?: number; readonly signal?: AbortSignal },
  ) => Promise<OpenedSource>;
}
