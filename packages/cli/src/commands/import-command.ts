import { type Job, type ParseIssue, redactSecrets, TERMINAL_STATUSES } from "@threadmill/core";
import { CliError } from "../cli-error.js";
import { cleanMessage } from "../clean-message.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { formatBytes } from "../format-bytes.js";
import { computeIdempotencyKey } from "../idempotency-key.js";
import { type ImportFlags, parseImportOptions } from "../import-options.js";
import { withStore } from "../open-context-store.js";
import { createProgressReporter, type ProgressReporter } from "../progress-reporter.js";
import { resolveInput } from "../resolve-input.js";
import { parseThreads } from "../threads-option.js";
import { type ImportSummary, toSummary } from "../summary.js";

/** `import`'s flags as commander hands them over. */
export interface ImportCommandFlags extends ImportFlags {
  readonly facts?: boolean;
  readonly budgetUsd?: string;
  readonly detach?: boolean;
  readonly json?: boolean;
  readonly threads?: string;
}

/** Said by every flag of LLM extraction until it lands. */
export const FACTS_NOT_YET =
  "fact extraction arrives with LLM extraction, which this version does not have yet; import without --facts/--budget-usd.";

const number = new Intl.NumberFormat("en");

function humanSummary(summary: ImportSummary): string {
  const seconds = summary.durationMs / 1000;
  return (
    `${summary.status === "succeeded" ? "done" : summary.status}: ${number.format(summary.conversations)} conversations, ` +
    `${number.format(summary.messages)} messages -> ${number.format(summary.chunks)} chunks` +
    `${summary.issues > 0 ? `, ${number.format(summary.issues)} issues (--verbose lists them)` : ""}` +
    ` in ${seconds.toFixed(1)} s \u00b7 job ${summary.jobId}\n`
  );
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Reads the job's log to its end and returns the last event id (events printed by this run come after it). */
async function lastEventId(ctx: CommandContext, adapter: import("@threadmill/core").Adapter, jobId: string) {
  let after: string | null = null;
  for (;;) {
    const events = await adapter.events.read(ctx.tenant, jobId, after, { limit: 1000 });
    if (events.length === 0) return after;
    after = events[events.length - 1]!.id;
  }
}

/**
 * `threadmill import <file|dir|url>`: creates the job (idempotent by the input's content hash and
 * the output options), then runs it in this process with progress on stderr (a TTY) or as JSON
 * lines on stdout, and prints the summary. A re-run resumes the same job from its checkpoint, prints
 * a finished job's summary at once, and re-queues a failed or cancelled one. Returns the exit code.
 */
export async function importCommand(
  input: string,
  flags: ImportCommandFlags,
  ctx: CommandContext,
): Promise<number> {
  if (flags.facts || flags.budgetUsd !== undefined) throw new CliError(FACTS_NOT_YET);
  const options = parseImportOptions(flags);
  const threads = parseThreads(flags.threads);
  const { io } = ctx;
  const resolved = await resolveInput(input, io.cwd);
  // Hashing a large input (about 2 s per GB) overlaps with opening the store (PGlite takes seconds).
  const keyPromise = computeIdempotencyKey(resolved, options);
  keyPromise.catch(() => {});
  const jsonLines = flags.json === true || !io.stdout.isTTY;
  const bar = flags.json !== true && io.stderr.isTTY === true;
  const note = (line: string) => io.stderr.write(`threadmill: ${line}\n`);
  const printSummary = (job: Job) => {
    const summary = toSummary(job);
    io.stdout.write(jsonLines ? `${JSON.stringify(summary)}\n` : humanSummary(summary));
  };

  return withStore(ctx, async (store) => {
    const { adapter } = store;
    const issues: string[] = [];
    const runner = ctx.createRunner(adapter, {
      threads,
      ...(ctx.debug
        ? {
            onError: ({ error }) =>
              note(`(recovered) ${cleanMessage(String((error as Error)?.message ?? error))}`),
          }
        : {}),
      ...(ctx.verbose
        ? {
            onIssue: (issue: ParseIssue) => {
              issues.push(
                `${issue.code}${issue.conversationId ? ` [${issue.conversationId}]` : ""}: ${issue.message}`,
              );
            },
          }
        : {}),
    });
    const idempotencyKey = await keyPromise;
    let { job, created } = await runner.submit({
      tenant: ctx.tenant,
      pipeline: "import",
      input: resolved.ref,
      options: { ...options },
      idempotencyKey,
    });
    if (!created) {
      if (job.status === "succeeded") {
        note(`already imported as job ${job.id}; nothing to do.`);
        printSummary(job);
        return EXIT_CODES.ok;
      }
      if (job.status === "failed" || job.status === "cancelled") {
        const was = job.status;
        const retried = await runner.retry(ctx.tenant, job.id);
        if (!retried)
          throw new CliError(`job ${job.id} disappeared while re-queuing it; run the command again.`, 1);
        job = retried;
        note(
          `job ${job.id} had ${was === "failed" ? "failed" : "been cancelled"}; re-queued it to resume from its checkpoint.`,
        );
      } else if (!flags.detach) {
        const done = job.counts.conversations ?? 0;
        note(`resuming job ${job.id} from its checkpoint (${number.format(done)} conversations done).`);
      }
    }
    if (flags.detach) {
      io.stdout.write(`${JSON.stringify(toSummary(job))}\n`);
      if (created) note(`queued job ${job.id}; \`threadmill worker\` on the same store runs it.`);
      return EXIT_CODES.ok;
    }
    if (!jsonLines && resolved.kind === "file") {
      note(`importing ${input} (${formatBytes(resolved.size)}) as job ${job.id}`);
    }

    const reporters: ProgressReporter[] = [];
    if (jsonLines) reporters.push(createProgressReporter({ mode: "json", io }));
    if (bar) reporters.push(createProgressReporter({ mode: "bar", io }));

    const controller = new AbortController();
    let interrupted: "SIGINT" | "SIGTERM" | null = null;
    const onSignal = (name: "SIGINT" | "SIGTERM") => {
      if (interrupted) {
        // A second Ctrl-C: leave now; the lease expires and a re-run resumes from the last checkpoint.
        io.stderr.write("\nthreadmill: stopped without waiting for the checkpoint.\n");
        process.exit(name === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm);
      }
      interrupted = name;
      for (const r of reporters) r.stop();
      note(`${name}: saving the checkpoint and releasing job ${job.id} (Ctrl-C again to quit at once)...`);
      controller.abort();
    };
    const onSigint = () => onSignal("SIGINT");
    const onSigterm = () => onSignal("SIGTERM");
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    const poll = bar
      ? setInterval(() => {
          adapter.jobs
            .get(ctx.tenant, job.id)
            .then((j) => {
              if (j) for (const r of reporters) r.job(j);
            })
            .catch(() => {});
        }, 1_000)
      : undefined;
    poll?.unref?.();
    let final: Job | null;
    try {
      if (bar) for (const r of reporters) r.job(job);
      // A new job shows its whole log; a resumed one only what this run adds.
      const afterEventId = created ? null : await lastEventId(ctx, adapter, job.id);
      final = await runner.run(ctx.tenant, job.id, {
        signal: controller.signal,
        afterEventId,
        onEvent: (event) => {
          for (const r of reporters) r.event(event);
        },
      });
      if (final) for (const r of reporters) r.job(final);
    } finally {
      if (poll) clearInterval(poll);
      for (const r of reporters) r.stop();
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
    }
    for (const line of issues) io.stderr.write(`issue: ${redactSecrets(line)}\n`);
    if (!final) throw new CliError(`job ${job.id} was purged while it ran.`, 1);

    if (interrupted !== null && !TERMINAL_STATUSES.has(final.status)) {
      const again = `threadmill ${ctx.argv.map((a) => quoteArg(redactSecrets(a))).join(" ")}`;
      note(
        `interrupted; job ${final.id} is saved at ${number.format(final.counts.conversations ?? 0)} conversations. Run the same command to resume:\n  ${again}`,
      );
      return interrupted === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
    }
    printSummary(final);
    if (final.status === "succeeded") return EXIT_CODES.ok;
    if (final.status === "failed") {
      const error = final.error;
      note(`import failed: ${cleanMessage(error?.message ?? "unknown error")}`);
      if (error?.code === "EXPORT_FORMAT") return EXIT_CODES.usage;
      note(`\`threadmill import\` with the same arguments retries it from its checkpoint.`);
      return EXIT_CODES.failed;
    }
    if (final.status === "cancelled") {
      note(`job ${final.id} was cancelled; the same command re-queues it from its checkpoint.`);
      return EXIT_CODES.failed;
    }
    note(`job ${final.id} stopped while ${final.status}; run the same command to resume.`);
    return EXIT_CODES.failed;
  });
}
