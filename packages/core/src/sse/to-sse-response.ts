import { type ProgressEvent, TERMINAL_EVENT_TYPES } from "../ports/event.js";
import type { EventLog } from "../ports/event-log.js";
import { TERMINAL_STATUSES } from "../ports/job.js";
import { sleep } from "../pipeline/sleep.js";

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

/**
 * A job's progress as a resumable Server-Sent Events `Response` (web-standard: Next.js route
 * handlers, Hono, Deno, and Node through any adapter). It replays the log after `lastEventId`, then
 * long-polls it, so a reconnecting client gets every event once, in order; it sends a heartbeat
 * comment when idle, and ends after the terminal event (or a `reset` carrying a terminal status)
 * unless later events follow it (a retried job's `queued`, then its new run).
 * Nothing is held in this process: any instance can serve any reconnect. An unknown job (or another
 * tenant's) reads as an empty log, so check access with `jobs.get` first and answer 404 yourself.
 * @example
 * export async function GET(req: Request) {
 *   return toSSEResponse(adapter.events, { tenant: userId, jobId, lastEventId: req.headers.get("last-event-id"), signal: req.signal });
 * }
 */
export function toSSEResponse(eventLog: EventLog, options: SSEResponseOptions): Response {
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
          const events = await eventLog.read(options.tenant, options.jobId, after, {
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
              const more = await eventLog.read(options.tenant, options.jobId, after, { limit: 1, waitMs: 0 });
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
            sink.enqueue(encoder.encode(": heartbeat\n\n"));
            lastSentAt = Date.now();
            return;
          }
          // A log that answered at once without waiting (an unknown job, say) must not be polled in a hot loop.
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

  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}
