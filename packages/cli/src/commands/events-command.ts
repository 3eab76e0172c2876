import { TERMINAL_EVENT_TYPES, TERMINAL_STATUSES } from "@threadmill/core";
import type { ProgressEvent } from "@threadmill/core";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { requireJob, withStore } from "../open-context-store.js";

const isTerminal = (event: ProgressEvent) =>
  TERMINAL_EVENT_TYPES.has(event.type) ||
  (event.type === "reset" && event.status !== undefined && TERMINAL_STATUSES.has(event.status));

/**
 * `threadmill events <jobId> [--follow]`: the job's logged progress events as JSON lines on stdout.
 * Without `--follow` it prints what is logged and exits; with it, it waits for new events and exits
 * 0 after the terminal one (130 / 143 when interrupted).
 */
export async function eventsCommand(
  jobId: string,
  flags: { readonly follow?: boolean },
  ctx: CommandContext,
): Promise<number> {
  return withStore(ctx, async (store) => {
    await requireJob(ctx, store, jobId);
    const { stdout } = ctx.io;
    const controller = new AbortController();
    let interrupted: number | null = null;
    const onSigint = () => {
      interrupted = EXIT_CODES.sigint;
      controller.abort();
    };
    const onSigterm = () => {
      interrupted = EXIT_CODES.sigterm;
      controller.abort();
    };
    if (flags.follow) {
      process.on("SIGINT", onSigint);
      process.on("SIGTERM", onSigterm);
    }
    try {
      let after: string | null = null;
      for (;;) {
        let events: ProgressEvent[];
        try {
          events = await store.adapter.events.read(ctx.tenant, jobId, after, {
            limit: 1000,
            ...(flags.follow ? { waitMs: 1_000, signal: controller.signal } : {}),
          });
        } catch (error) {
          if (controller.signal.aborted) return interrupted ?? EXIT_CODES.sigint;
          throw error;
        }
        for (const event of events) {
          stdout.write(`${JSON.stringify(event)}\n`);
          after = event.id;
          if (flags.follow && isTerminal(event)) return EXIT_CODES.ok;
        }
        if (controller.signal.aborted) return interrupted ?? EXIT_CODES.sigint;
        if (!flags.follow && events.length === 0) return EXIT_CODES.ok;
        if (flags.follow && events.length === 0) {
          // A job that ended while its terminal event was trimmed away still ends the follow.
          const job = await requireJob(ctx, store, jobId);
          if (TERMINAL_STATUSES.has(job.status)) {
            const more = await store.adapter.events.read(ctx.tenant, jobId, after, { limit: 1000 });
            for (const event of more) stdout.write(`${JSON.stringify(event)}\n`);
            if (more.length === 0 || more.some(isTerminal)) return EXIT_CODES.ok;
            after = more[more.length - 1]!.id;
          }
        }
      }
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
    }
  });
}
