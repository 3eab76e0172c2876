/**
 * The benchmark harness: a benchmark file default-exports `defineBenchmark(...)`; `pnpm bench [name]`
 * runs every case `runs` times, each run in a fresh Node process (so peak RSS is the run's own),
 * prints median, min and max per metric with the ratio to the baseline case measured in the same
 * run, and writes the figures as JSON to `bench/results/`.
 */

/** Figures one run of a case reports, for example `{ "MB/s": 91.2, "chunks over limit": 0 }`. */
export type Metrics = Record<string, number>;

/** What a case's run function receives. */
export interface CaseContext {
  /** Which run this is, from 0. */
  readonly run: number;
  /** Values the benchmark's `setup` returned (computed once per process). */
  readonly fixture: unknown;
}

export interface BenchmarkCase {
  /** One run; returns its figures. `peak RSS MB` is added by the harness unless the case reports it. */
  run(ctx: CaseContext): Promise<Metrics> | Metrics;
}

export interface BenchmarkDefinition {
  /** One line saying what is measured and on what input. */
  readonly description: string;
  /** Runs per case (median of them). @default 3 */
  readonly runs?: number;
  /**
   * Runs interleaved by default (as with `BENCH_INTERLEAVE=1`; `BENCH_INTERLEAVE=0` turns it off): for
   * a benchmark whose goals are ratios between its cases, so the `pairs` print on every run.
   */
  readonly interleave?: boolean;
  /** The case every other case is compared with. */
  readonly baseline: string;
  /** For each metric, whether higher is better (`true`) or lower (`false`); shown in the table. */
  readonly higherIsBetter?: Record<string, boolean>;
  /** Prepares inputs (generated files, say) in each case process before its run; may cache on disk. */
  setup?(): Promise<unknown> | unknown;
  /** Cases by name; several benchmarks of one file may share a baseline. */
  readonly cases: Record<string, BenchmarkCase>;
  /** Goals to print beside the figures, e.g. `{ "parse MB/s vs stream-json": ">= 2.5x" }`. */
  readonly goals?: Record<string, string>;
  /**
   * Ratios to print paired run by run, `[case, against, metric]`: with `BENCH_INTERLEAVE=1` run k
   * of both cases ran one after the other, so the median of the k-th ratios is steadier than the
   * ratio of the medians when the machine's speed drifts between runs.
   */
  readonly pairs?: readonly (readonly [string, string, string])[];
}

/** Declares a benchmark (the default export of a `*.bench.ts` file). */
export function defineBenchmark(definition: BenchmarkDefinition): BenchmarkDefinition {
  return definition;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
