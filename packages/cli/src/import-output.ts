import type { Job } from "@threadmill/core";
import type { CliIo } from "./cli-io.js";
import { formatCount } from "./format-count.js";
import { type ImportSummary, toSummary } from "./summary.js";

/** How `import` talks to its user: the summary on stdout, notes (and progress bars on a TTY) on stderr. */
export interface ImportOutput {
  readonly io: CliIo;
  /** Progress events and the summary as JSON lines on stdout (`--json`, or stdout is not a TTY). */
  readonly jsonLines: boolean;
  /** Progress bars on stderr (stderr is a TTY and no `--json`). */
  readonly bar: boolean;
  /** Writes one `threadmill: ...` line on stderr. */
  note(line: string): void;
  /** Writes the job's summary on stdout: a JSON line, or one line for humans. */
  printSummary(job: Job): void;
}

/** The output of an `import` on `io`, as JSON lines when `json` (`--json`) or stdout is not a TTY. */
export function createImportOutput(io: CliIo, json: boolean): ImportOutput {
  const jsonLines = json || !io.stdout.isTTY;
  return {
    io,
    jsonLines,
    bar: !json && io.stderr.isTTY === true,
    note: (line) => io.stderr.write(`threadmill: ${line}\n`),
    printSummary(job) {
      const summary = toSummary(job);
      io.stdout.write(jsonLines ? `${JSON.stringify(summary)}\n` : humanSummary(summary));
    },
  };
}

function humanSummary(summary: ImportSummary): string {
  const seconds = summary.durationMs / 1000;
  return (
    `${summary.status === "succeeded" ? "done" : summary.status}: ${formatCount(summary.conversations)} conversations, ` +
    `${formatCount(summary.messages)} messages -> ${formatCount(summary.chunks)} chunks` +
    `${summary.issues > 0 ? `, ${formatCount(summary.issues)} issues (--verbose lists them)` : ""}` +
    ` in ${seconds.toFixed(1)} s \u00b7 job ${summary.jobId}\n` +
    `library: ${formatCount(summary.library.unchanged)} unchanged, ${formatCount(summary.library.changed)} changed, ` +
    `${formatCount(summary.library.new)} new, ${formatCount(summary.library.missing)} missing\n` +
    (summary.facts
      ? `facts: ${formatCount(summary.facts.requests)} requests, $${summary.facts.costUsd.toFixed(4)}` +
        `${summary.facts.issues > 0 ? `, ${formatCount(summary.facts.issues)} issues` : ""}` +
        `${summary.facts.error ? ` \u00b7 stopped: ${summary.facts.error}` : ""}\n`
      : "")
  );
}
