import pRetry from "p-retry";
import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";

/** Options of `createHttpSource`. */
export interface HttpSourceOptions {
  /** Extra request headers (an `Authorization` header, say); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries of a failed request or a dropped body before giving up. @default 5 */
  readonly retries?: number;
  /** First retry delay in ms (exponential with jitter after it). @default 200 */
  readonly minRetryDelayMs?: number;
  /** `fetch` to use. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Name for messages. @default the URL's host and last path segment, never its query string */
  readonly name?: string;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * A seekable `Source` over an HTTP(S) URL: `open({ start })` asks for `Range: bytes=start-`; a
 * server that ignores ranges yields the whole body (`offset: 0`, the reader skips). Transient
 * failures (network errors, 408/429/5xx) are retried with p-retry, and a body that drops mid-way is
 * resumed from the byte where it stopped with `Range` + `If-Range` (so a changed file is never
 * spliced). A 4xx other than those throws `ExportFormatError` (`unreadable`) at once.
 * @example
 * const source = createHttpSource("https://example.com/export.zip");
 */
export function createHttpSource(url: string, options: HttpSourceOptions = {}): Source {
  const doFetch = options.fetch ?? globalThis.fetch;
  const retries = options.retries ?? 5;
  const minTimeout = options.minRetryDelayMs ?? 200;
  const parsed = new URL(url);
  const name = options.name ?? `${parsed.host}/${parsed.pathname.split("/").filter(Boolean).pop() ?? ""}`;

  const request = (start: number, validator: string | null, signal?: AbortSignal) =>
    pRetry(
      async () => {
        const headers: Record<string, string> = { ...options.headers };
        if (start > 0) headers.range = `bytes=${start}-`;
        if (start > 0 && validator) headers["if-range"] = validator;
        const response = await doFetch(url, { headers, ...(signal ? { signal } : {}) });
        if (response.status === 200 || response.status === 206) return response;
        await response.body?.cancel().catch(() => {});
        if (response.status === 416) return response;
        throw new HttpStatusError(response.status);
      },
      {
        retries,
        minTimeout,
        factor: 2,
        randomize: true,
        ...(signal ? { signal } : {}),
        shouldRetry: ({ error }) =>
          !(error instanceof HttpStatusError) ||
          error.status === 408 ||
          error.status === 429 ||
          error.status >= 500,
      },
    ).catch((error: unknown) => {
      if (error instanceof HttpStatusError) {
        throw new ExportFormatError(
          `${name} answered HTTP ${error.status}; check the URL and its access rights`,
          {
            reason: "unreadable",
            cause: error,
          },
        );
      }
      throw error;
    });

  return {
    name,
    async open(opts = {}): Promise<OpenedSource> {
      const signal = opts.signal;
      const wanted = Math.max(0, opts.start ?? 0);
      const first = await request(wanted, null, signal);
      if (first.status === 416) {
        return { stream: new ReadableStream({ start: (c) => c.close() }), size: wanted, offset: wanted };
      }
      const ranged = first.status === 206;
      const offset = ranged ? wanted : 0;
      const validator = first.headers.get("etag") ?? first.headers.get("last-modified");
      const contentRange = first.headers.get("content-range");
      const total = contentRange ? Number(contentRange.split("/")[1]) : null;
      const length = first.headers.get("content-length");
      const size =
        Number.isFinite(total) && total !== null ? total : length !== null ? offset + Number(length) : null;

      let position = offset;
      let response: Response = first;
      let reader = first.body!.getReader();
      let attempts = 0;
      // A pull may be waiting on the body when the consumer cancels: it must then stop, never re-request.
      let cancelled = false;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          for (;;) {
            try {
              const r = await reader.read();
              if (cancelled) return;
              if (r.done) {
                if (size !== null && position < size)
                  throw new Error(`body ended at ${position} of ${size} bytes`);
                controller.close();
                return;
              }
              position += r.value.length;
              attempts = 0;
              controller.enqueue(r.value);
              return;
            } catch (error) {
              if (cancelled) return;
              if (signal?.aborted) throw signal.reason;
              // The connection dropped mid-body: resume where it stopped, if the server can.
              if (!(response.status === 206 || position === 0 || validator)) throw error;
              if (++attempts > retries) throw error;
              await new Promise((resolve) => setTimeout(resolve, minTimeout * 2 ** (attempts - 1)));
              if (cancelled) return;
              response = await request(position, validator, signal);
              if (cancelled) {
                await response.body?.cancel().catch(() => {});
                return;
              }
              if (position > 0 && response.status !== 206) {
                await response.body?.cancel().catch(() => {});
                throw new ExportFormatError(
                  `${name} changed or stopped honouring Range while it was read; start over`,
                  {
                    reason: "unreadable",
                    cause: error,
                  },
                );
              }
              reader = response.body!.getReader();
            }
          }
        },
        async cancel(reason) {
          cancelled = true;
          await reader.cancel(reason).catch(() => {});
        },
      });
      return { stream, size, offset };
    },
  };
}
