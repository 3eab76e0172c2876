/**
 * Iterates a byte stream's chunks, dropping the first `skip` bytes (used when a source could not
 * seek), and releasing the stream when the consumer stops early.
 */
export async function* readChunks(
  stream: ReadableStream<Uint8Array>,
  skip = 0,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      let chunk = r.value;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      if (chunk.length > 0) yield chunk;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
