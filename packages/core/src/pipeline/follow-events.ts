import { type ProgressEvent, TERMINAL_EVENT_TYPES } from "../ports/event.js";
import { TERMINAL_STATUSES } from "../ports/job.js";
import type { RunnerContext } from "./runner-options.js";
import { sleep } from "./sleep.js";

/** A running follow of one job's event log. */
export interface EventFollower {
  /** Waits until the terminal event was delivered (bounded) when `terminal`, else drains what is there. */
  finish(terminal: boolean): Promise<void>;
  abort(): void;
}

/**
 * Reads the job's log in order and hands each event to `onEvent`; `finish(terminal)` waits until
 * the terminal event was delivered (bounded), or drains what is there.
 */
export function followEvents(
  context: Pick<RunnerContext, "store" | "pollMs" | "report">,
  job: { readonly tenant: string; readonly jobId: string },
  afterId: string | null,
  onEvent: (event: ProgressEvent) => void,
): EventFollower {
  const { store, report } = context;
  const { tenant, jobId } = job;
  const controller = new AbortController();
  let after = afterId;
  let draining = false;
  let sawTerminal = false;
  const done = (async () => {
    while (!controller.signal.aborted) {
      let events: ProgressEvent[];
      try {
        events = await store.events.read(tenant, jobId, after, {
          waitMs: draining ? 0 : 1_000,
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        report(error, jobId, "reading the job's events failed; retrying");
        await sleep(context.pollMs, controller.signal).catch(() => {});
        continue;
      }
      for (const event of events) {
        after = event.id;
        try {
          onEvent(event);
        } catch (error) {
          report(error, jobId, "the onEvent callback threw; following the events all the same");
        }
        // A reset states the job's current status: when that is terminal, what follows is history.
        if (event.type === "reset" && event.status !== undefined && TERMINAL_STATUSES.has(event.status)) {
          sawTerminal = true;
          return;
        }
      }
      const last = events.at(-1);
      // A terminal event followed by more (a retried job's `queued` and new run) does not end the log.
      if (last && TERMINAL_EVENT_TYPES.has(last.type)) {
        const more = await store.events
          .read(tenant, jobId, after, { limit: 1, waitMs: 0 })
          .catch(() => [] as ProgressEvent[]);
        if (more.length === 0) {
          sawTerminal = true;
          return;
        }
      }
      if (draining && events.length === 0) return;
    }
  })();
  return {
    async finish(terminal) {
      if (!terminal) draining = true;
      const timeout = sleep(terminal ? 5_000 : 2_000, controller.signal).catch(() => {});
      await Promise.race([done, timeout]);
      if (terminal && !sawTerminal) draining = true;
    },
    abort() {
      controller.abort();
    },
  };
}
