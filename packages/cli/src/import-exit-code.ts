import { type Job, redactSecrets, TERMINAL_STATUSES } from "@threadmill/core";
import { cleanMessage } from "./clean-message.js";
import type { CommandContext } from "./command-context.js";
import { EXIT_CODES } from "./exit-codes.js";
import { formatCount } from "./format-count.js";
import type { ImportOutput } from "./import-output.js";

/**
 * Tells the user how an import run ended (the summary, or how to resume) and returns its exit code:
 * 0 succeeded, 1 failed or cancelled, 2 an unusable export, 130 / 143 interrupted before the end.
 */
export function importExitCode(
  ctx: CommandContext,
  final: Job,
  interrupted: "SIGINT" | "SIGTERM" | null,
  output: ImportOutput,
): number {
  const { note } = output;
  if (interrupted !== null && !TERMINAL_STATUSES.has(final.status)) {
    const again = `threadmill ${ctx.argv.map((a) => quoteArg(redactSecrets(a))).join(" ")}`;
    note(
      `interrupted; job ${final.id} is saved at ${formatCount(final.counts.conversations ?? 0)} conversations. Run the same command to resume:\n  ${again}`,
    );
    return interrupted === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
  }
  output.printSummary(final);
  if (final.status === "succeeded") return EXIT_CODES.ok;
  if (final.status === "failed") {
    const error = final.error;
    note(`import failed: ${cleanMessage(error?.message ?? "unknown error")}`);
    if (error?.code === "EXPORT_FORMAT") return EXIT_CODES.usage;
    if (error?.code === "BUDGET_EXCEEDED") {
      note(
        `the same command with a higher --budget-usd goes on from where it stopped, paying nothing twice.`,
      );
      return EXIT_CODES.failed;
    }
    note(`\`threadmill import\` with the same arguments retries it from its checkpoint.`);
    return EXIT_CODES.failed;
  }
  if (final.status === "cancelled") {
    note(`job ${final.id} was cancelled; the same command re-queues it from its checkpoint.`);
    return EXIT_CODES.failed;
  }
  note(`job ${final.id} stopped while ${final.status}; run the same command to resume.`);
  return EXIT_CODES.failed;
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
