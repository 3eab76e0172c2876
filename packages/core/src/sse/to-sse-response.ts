import { sleep } from "../pipeline/sleep.js";
import type { Adapter } from "../ports/adapter.js";
import { type ProgressEvent, TERMINAL_EVENT_TYPES } from "../ports/event.js";
import { TERMINAL_STATUSES } from "../ports/job.js";

/** Options of `toSSEResponse`. */
export interface SSEResponseOptions {
  readonly tenant: string;
  readonly jobId: string;
  /**
   * Resume after this event id: the client's `Last-Event-ID` header (browsers send it on reconnect),
   * or a query parameter. `null` or absent: from the oldest retained event.
   */
  readonly lastEventId?: string | null;
  /** Ends the stream (the request's signal: the client went away). */
  readonly signal?: AbortSignal;
  /** A comment line is sent after this long without an event, so proxies keep the connection (ms). @default 15000 */
  readonly heartbeatMs?: number;
  /** The reconnection delay suggested to `EventSource` (ms). @default 1000 */
  readonly retryMs?: number;
  /** Events per read of the log. @default 100 */
  readonly batchSize?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();

/** One event in the SSE wire format: `id`, `event` (its type) and `data` (the event as JSON). */
export function formatSSEEvent(event: ProgressEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const isTerminalReset = (event: ProgressEvent) =>
  event.type === "reset" && event.status !== undefined && TERMINAL_STATUSES.has(event.status);

/** The ports `toSSEResponse` reads: an adapter will do. */
export type SSEResponseSource = Pick<Adapter, "events" | "jobs">;

/**
 * What a client positioned after `afterId` can still get: `gone` when the job does not exist (for
 * this tenant), `ended` when it is terminal and nothing follows `afterId` (its terminal event, or an
 * id the log does not know), else `live`. The status is read first: a terminal status is stored
 * atomically with its event, so an empty read after it cannot miss a terminal event on its way.
 */
async function streamState(
  source: SSEResponseSource,
  options: SSEResponseOptions,
  afterId: string | null,
): Promise<"live" | "ended" | "gone"> {
  const job = await source.jobs.get(options.tenant, options.jobId);
  if (job === null) return "gone";
  if (!TERMINAL_STATUSES.has(job.status)) return "live";
  const next = await source.events.read(options.tenant, options.jobId, afterId, { limit: 1, waitMs: 0 });
  return next.length === 0 ? "ended" : "live";
}

/**
 * A job's progress as a resumable Server-Sent Events `Response` (web-standard: Next.js route
 * handlers, Hono, Deno, and Node through any adapter). It replays the log after `lastEventId`, then
 * long-polls it, so a reconnecting client gets every event once, in order; it sends a heartbeat
 * comment when idle, and ends after the terminal event (or a `reset` carrying a terminal status)
 * unless later events follow it (a retried job's `queued`, then its new run).
 * It reads the job before answering: 404 for an unknown job (or another tenant's), and 204 No
 * Content, which tells `EventSource` to stop reconnecting, when the job is terminal and nothing
 * follows `lastEventId` (a client reconnecting after the end). An idle stream also ends once that
 * holds, so a client holding an id the log does not know ends up with the 204 too.
 * Nothing is held in this process: any instance can serve any reconnect.
 * @example
 * export async function GET(req: Request) {
 *   return toSSEResponse(adapter, { tenant: userId, jobId, lastEventId: req.headers.get("last-event-id"), signal: req.signal });
 * }
 */
export async function toSSEResponse(
  source: SSEResponseSource,
  options: SSEResponseOptions,
): Promise<Response> {
  const state = await streamState(source, options, options.lastEventId ?? null);
  if (state !== "live") {
    return new Response(null, {
      status: state === "gone" ? 404 : 204,
      headers: { "cache-control": "no-cache", ...options.headers },
    });
  }
  return new Response(eventStream(source, options), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}

/**
 * The stream behind `toSSEResponse`: replays and long-polls the log after `lastEventId`, one batch
 * (or heartbeat) per pull, until the job's end, the caller's `signal` or a cancel.
 */
function eventStream(source: SSEResponseSource, options: SSEResponseOptions): ReadableStream<Uint8Array> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const batchSize = options.batchSize ?? 100;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let after = options.lastEventId ?? null;
  let lastSentAt = Date.now();

  const stream = new ReadableStream<Uint8Array>({
    start(sink) {
      sink.enqueue(encoder.encode(`retry: ${options.retryMs ?? 1_000}\n\n`));
    },
    async pull(sink) {
      // One pull sends one batch (or a heartbeat): the stream's backpressure paces the reads.
      try {
        for (;;) {
          if (controller.signal.aborted) {
            sink.close();
            return;
          }
          const waitMs = Math.max(0, heartbeatMs - (Date.now() - lastSentAt));
          const readAt = Date.now();
          const events = await source.events.read(options.tenant, options.jobId, after, {
            limit: batchSize,
            waitMs,
            signal: controller.signal,
          });
          if (controller.signal.aborted) {
            sink.close();
            return;
          }
          if (events.length > 0) {
            let text = "";
            let ended = false;
            for (const event of events) {
              text += formatSSEEvent(event);
              after = event.id;
              // A reset states the job's current status: when that is terminal, what follows is history.
              if (isTerminalReset(event)) {
                ended = true;
                break;
              }
            }
            // A terminal event ends the stream only when nothing follows it: a retried job logs
            // `queued` after its old terminal event, and the stream goes on with the new run.
            if (!ended && TERMINAL_EVENT_TYPES.has(events.at(-1)!.type)) {
              const more = await source.events.read(options.tenant, options.jobId, after, {
                limit: 1,
                waitMs: 0,
              });
              ended = more.length === 0;
            }
            sink.enqueue(encoder.encode(text));
            lastSentAt = Date.now();
            if (ended) {
              cleanup();
              sink.close();
            }
            return;
          }
          if (Date.now() - lastSentAt >= heartbeatMs) {
            // Idle: a job that ended (or went) with nothing left for this client will not wake the log.
            if ((await streamState(source, options, after)) !== "live") {
              cleanup();
              sink.close();
              return;
            }
            sink.enqueue(encoder.encode(": heartbeat\n\n"));
            lastSentAt = Date.now();
            return;
          }
          // A log that answered at once without waiting must not be polled in a hot loop.
          if (Date.now() - readAt < waitMs / 2) {
            await sleep(Math.min(250, waitMs), controller.signal).catch(() => {});
          }
        }
      } catch (error) {
        cleanup();
        if (controller.signal.aborted) sink.close();
        else sink.error(error);
      }
    },
    cancel() {
      cleanup();
      controller.abort();
    },
  });

  function cleanup() {
    options.signal?.removeEventListener("abort", onAbort);
  }

  return stream;
}
