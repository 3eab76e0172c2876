import {
  type Adapter,
  createSpendLedger,
  type Job,
  type ParseIssue,
  redactSecrets,
  type Runner,
} from "@threadmill/core";
import { CliError } from "../cli-error.js";
import { cleanMessage } from "../clean-message.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { type FactsFlags, parseFactsFlags } from "../facts-flags.js";
import { formatBytes } from "../format-bytes.js";
import { formatCount } from "../format-count.js";
import { computeIdempotencyKey } from "../idempotency-key.js";
import { importExitCode } from "../import-exit-code.js";
import { type ImportFlags, parseImportOptions } from "../import-options.js";
import { createImportOutput, type ImportOutput } from "../import-output.js";
import { withStore } from "../open-context-store.js";
import { resolveInput } from "../resolve-input.js";
import { runImportJob } from "../run-import-job.js";
import { toSummary } from "../summary.js";
import { parseThreads } from "../threads-option.js";

/** `import`'s flags as commander hands them over. */
export interface ImportCommandFlags extends ImportFlags, FactsFlags {
  readonly detach?: boolean;
  readonly json?: boolean;
  readonly threads?: string;
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
  const options = parseImportOptions(flags);
  const threads = parseThreads(flags.threads);
  const { io } = ctx;
  const facts = parseFactsFlags(flags, io.env);
  const resolved = await resolveInput(input, io.cwd);
  // Hashing a large input (about 2 s per GB) overlaps with opening the store (PGlite takes seconds).
  const keyPromise = computeIdempotencyKey(resolved, options, undefined, facts);
  keyPromise.catch(() => {});
  const output = createImportOutput(io, flags.json === true);
  const { note } = output;

  return withStore(ctx, async (store) => {
    const { adapter } = store;
    const issues: string[] = [];
    const runner = createImportRunner(ctx, adapter, threads, issues, output);
    const idempotencyKey = await keyPromise;
    let { job, created } = await runner.submit({
      tenant: ctx.tenant,
      pipeline: "import",
      input: resolved.ref,
      options: { ...options, ...(facts ? { facts: { ...facts } } : {}) },
      idempotencyKey,
    });
    if (!created && facts?.budgetUsd !== undefined) await setJobBudget(adapter, job, facts.budgetUsd, note);
    if (!created) {
      const resumed = await resumeJob(ctx, runner, job, flags.detach === true, output);
      if (resumed === null) {
        output.printSummary(job);
        return EXIT_CODES.ok;
      }
      job = resumed;
    }
    if (flags.detach) {
      io.stdout.write(`${JSON.stringify(toSummary(job))}\n`);
      if (created) note(`queued job ${job.id}; \`threadmill worker\` on the same store runs it.`);
      return EXIT_CODES.ok;
    }
    if (!output.jsonLines && resolved.kind === "file") {
      note(`importing ${input} (${formatBytes(resolved.size)}) as job ${job.id}`);
    }
    const { final, interrupted } = await runImportJob({ ctx, adapter, runner, job, created, output });
    for (const line of issues) io.stderr.write(`issue: ${redactSecrets(line)}\n`);
    if (!final) throw new CliError(`job ${job.id} was purged while it ran.`, 1);
    return importExitCode(ctx, final, interrupted, output);
  });
}

/** The runner of an import: recovered errors noted with `--debug`, parse issues kept in `issues` with `--verbose`. */
function createImportRunner(
  ctx: CommandContext,
  adapter: Adapter,
  threads: number,
  issues: string[],
  output: ImportOutput,
): Runner {
  return ctx.createRunner(adapter, {
    threads,
    env: ctx.io.env,
    ...(ctx.debug
      ? {
          onError: ({ error }) =>
            output.note(`(recovered) ${cleanMessage(String((error as Error)?.message ?? error))}`),
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
}

/** A re-run's `--budget-usd` replaces the job's cap, so a job stopped at its budget goes on from where it stopped. */
async function setJobBudget(
  adapter: Adapter,
  job: Job,
  budgetUsd: number,
  note: (text: string) => void,
): Promise<void> {
  if (!adapter.spend)
    throw new CliError("this store keeps no spend ledger, so --budget-usd cannot be applied.");
  const ledger = createSpendLedger({ store: adapter.spend });
  const scope = { tenant: job.tenant, jobId: job.id };
  const { caps } = await ledger.spent(scope);
  await ledger.setCaps(scope, { ...caps, microUsd: Math.round(budgetUsd * 1e6) });
  note(`job ${job.id}'s fact budget is now $${budgetUsd}.`);
}

/**
 * What a re-run does with the job its input already made: `null` when that job succeeded (nothing
 * to do), else the job to run, re-queued when it had failed or been cancelled.
 */
async function resumeJob(
  ctx: CommandContext,
  runner: Runner,
  job: Job,
  detach: boolean,
  { note }: ImportOutput,
): Promise<Job | null> {
  if (job.status === "succeeded") {
    note(`already imported as job ${job.id}; nothing to do.`);
    return null;
  }
  if (job.status === "failed" || job.status === "cancelled") {
    const was = job.status;
    const retried = await runner.retry(ctx.tenant, job.id);
    if (!retried)
      throw new CliError(`job ${job.id} disappeared while re-queuing it; run the command again.`, 1);
    note(
      `job ${retried.id} had ${was === "failed" ? "failed" : "been cancelled"}; re-queued it to resume from its checkpoint.`,
    );
    return retried;
  }
  if (!detach) {
    const done = job.counts.conversations ?? 0;
    note(`resuming job ${job.id} from its checkpoint (${formatCount(done)} conversations done).`);
  }
  return job;
}
