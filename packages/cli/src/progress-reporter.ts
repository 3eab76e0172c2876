import type { Job, ProgressEvent } from "@threadmill/core";
import cliProgress from "cli-progress";
import type { CliIo } from "./cli-io.js";
import { formatBytes } from "./format-bytes.js";
import { formatCount } from "./format-count.js";

/** How `import` shows progress: a bar per stage on stderr, JSON lines on stdout, or nothing. */
export type ProgressMode = "bar" | "json" | "none";

/** Receives a running job's events and record; renders them in its mode. */
export interface ProgressReporter {
  readonly mode: ProgressMode;
  /** One event of the job's log, in order. */
  event(event: ProgressEvent): void;
  /** The job record, polled while it runs (for the counts shown beside the bar). */
  job(job: Job): void;
  /** Finishes the bars (idempotent). */
  stop(): void;
}

/** Options of `createProgressReporter`. */
export interface ProgressReporterOptions {
  readonly mode: ProgressMode;
  readonly io: CliIo;
}

function amount(value: number, unit: string | undefined): string {
  return unit === "bytes" ? formatBytes(value) : `${formatCount(Math.round(value))}${unit ? ` ${unit}` : ""}`;
}

/**
 * Creates the progress output of `import`: in `bar` mode one cli-progress bar per stage on stderr,
 * with the amount done, the rate and the ETA, and the job's counts beside it; in `json` mode each
 * progress event as one JSON line on stdout.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { mode, io } = options;
  if (mode === "none") return { mode, event() {}, job() {}, stop() {} };
  if (mode === "json") {
    return {
      mode,
      event(event) {
        io.stdout.write(`${JSON.stringify(event)}\n`);
      },
      job() {},
      stop() {},
    };
  }
  return createBarReporter(io);
}

/** One stage's bar and what it shows. */
interface StageBar {
  readonly bar: cliProgress.SingleBar;
  readonly startedAt: number;
  /** `done` at the stage's first progress event in this run (the rate counts from there). */
  startDone: number | null;
  unit: string | undefined;
  done: number;
  total: number | null;
}

/** The `bar` mode: a bar per stage on stderr, the current one moving, the ones before it completed. */
function createBarReporter(io: CliIo): ProgressReporter {
  const multibar = new cliProgress.MultiBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: " {stage} |{bar}| {pct}% {doneText}/{totalText} | {rate} | ETA {etaText} | {counts}",
      barCompleteChar: "\u2588",
      barIncompleteChar: "\u2591",
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 30,
      fps: 8,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, StageBar>();
  let current: StageBar | null = null;
  let counts = "";
  let stopped = false;

  const render = (stage: string, s: StageBar) => {
    // An unknown total draws an empty bar with "?%" rather than a full one.
    const total = s.total === null ? Number.MAX_SAFE_INTEGER : Math.max(s.total, 1);
    s.bar.setTotal(total);
    s.bar.update(Math.min(s.done, total), barPayload(s, stage, counts));
  };
  const stageBar = (stage: string): StageBar => {
    let s = bars.get(stage);
    if (!s) {
      s = {
        bar: multibar.create(1, 0, {
          stage,
          pct: "  ?",
          doneText: "0",
          totalText: "?",
          rate: "-",
          etaText: "-",
          counts,
        }),
        startedAt: performance.now(),
        startDone: null,
        unit: undefined,
        done: 0,
        total: null,
      };
      bars.set(stage, s);
    }
    return s;
  };
  const complete = (stage: string, s: StageBar) => {
    if (s.total !== null) s.done = s.total;
    render(stage, s);
  };

  return {
    mode: "bar",
    event(event) {
      if (stopped) return;
      if (event.type === "stage" && event.stage) {
        for (const [name, s] of bars) if (s !== current && name !== event.stage) complete(name, s);
        current = stageBar(event.stage);
        render(event.stage, current);
        return;
      }
      if (event.type === "progress" && event.stage && event.done !== undefined) {
        const s = stageBar(event.stage);
        current = s;
        s.unit = event.unit;
        s.done = event.done;
        // A unit that could not tell the total keeps the one known before.
        s.total = event.total ?? s.total;
        s.startDone ??= event.done;
        render(event.stage, s);
        return;
      }
      if (event.type === "succeeded") {
        for (const [name, s] of bars) complete(name, s);
      }
    },
    job(job) {
      if (stopped) return;
      counts = countsText(job);
      for (const [name, s] of bars) render(name, s);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}

/** The values the bar's format shows: percent, amounts, rate and ETA since this run's first progress. */
function barPayload(s: StageBar, stage: string, counts: string) {
  const seconds = (performance.now() - s.startedAt) / 1000;
  const moved = s.startDone === null ? 0 : s.done - s.startDone;
  const rate = seconds > 0.5 && moved > 0 ? moved / seconds : 0;
  const eta = rate > 0 && s.total !== null ? Math.max(0, (s.total - s.done) / rate) : null;
  return {
    stage,
    pct:
      s.total === null
        ? "  ?"
        : String(Math.floor((100 * Math.min(s.done, s.total)) / Math.max(s.total, 1))).padStart(3),
    doneText: amount(s.done, s.unit),
    totalText: s.total === null ? "?" : amount(s.total, s.unit),
    rate: rate > 0 ? `${amount(rate, s.unit)}/s` : "-",
    etaText:
      eta === null
        ? "-"
        : eta < 60
          ? `${Math.ceil(eta)}s`
          : `${Math.floor(eta / 60)}m${String(Math.ceil(eta % 60)).padStart(2, "0")}s`,
    counts,
  };
}

/** The job's counts shown beside the bars: `1,234 conv · 5,678 chunks · 3 issues`. */
function countsText(job: Job): string {
  const c = job.counts;
  return [
    `${formatCount(c.conversations ?? 0)} conv`,
    `${formatCount(c.chunks ?? 0)} chunks`,
    ...((c.issues ?? 0) > 0 ? [`${formatCount(c.issues ?? 0)} issues`] : []),
  ].join(" \u00b7 ");
}
