// `pnpm bench [name ...]`: runs benchmark files from src/benchmarks, prints tables, writes JSON results.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchmarkDefinition, type Metrics, median } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "benchmarks");
const resultsDir = join(here, "..", "results");
const AT_BASE = " @base";
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;
mkdirSync(resultsDir, { recursive: true });

const fmt = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3);

for (const name of names) {
  const file = join(dir, `${name}.bench.ts`);
  const bench = ((await import(pathToFileURL(file).href)) as { default: BenchmarkDefinition }).default;
  const runs = Number(process.env.BENCH_RUNS) || (bench.runs ?? 3);
  // BENCH_INTERLEAVE=1: run 1 of every case, then run 2 of every case, ...: load that changes during
  // the benchmark then falls on every case alike instead of on the cases measured at that moment.
  const interleave =
    process.env.BENCH_INTERLEAVE === "1" ||
    process.env.BENCH_AGAINST !== undefined ||
    (bench.interleave === true && process.env.BENCH_INTERLEAVE !== "0");
  console.log(
    `\n## ${name}: ${bench.description}\n   ${runs} runs per case${interleave ? ", interleaved" : ""}, each in a fresh process; median [min..max]`,
  );
  const perCase: Record<string, Metrics[]> = {};
  // BENCH_CASES=<regex>: only the cases whose name matches (and the baseline, for the ratios).
  const only = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : null;
  const caseNames = Object.keys(bench.cases).filter(
    (c) => only === null || c === bench.baseline || only.test(c),
  );
  // BENCH_AGAINST=<checkout>: each case also runs from another checkout of this repository (built,
  // with its own node_modules: `git worktree add ../base <commit>`), as "<case> @base", right after it,
  // interleaved, and every metric prints paired run by run: a change measured against the commit before it.
  const against = process.env.BENCH_AGAINST ? resolve(process.env.BENCH_AGAINST) : null;
  if (against !== null)
    caseNames.splice(0, caseNames.length, ...caseNames.flatMap((c) => [c, `${c}${AT_BASE}`]));
  for (const caseName of caseNames) perCase[caseName] = [];
  const order = interleave
    ? Array.from({ length: runs }, (_, run) => caseNames.map((caseName) => ({ caseName, run }))).flat()
    : caseNames.flatMap((caseName) => Array.from({ length: runs }, (_, run) => ({ caseName, run })));
  const failed = new Set<string>();
  for (const { caseName, run } of order) {
    if (failed.has(caseName)) continue;
    const child = spawnSync(
      process.execPath,
      caseName.endsWith(AT_BASE)
        ? [
            ...process.execArgv,
            join(against!, "bench", "src", "run-case.ts"),
            join(against!, "bench", "src", "benchmarks", `${name}.bench.ts`),
            caseName.slice(0, -AT_BASE.length),
            String(run),
          ]
        : [...process.execArgv, join(here, "run-case.ts"), file, caseName, String(run)],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith("@@metrics "));
    if (child.status !== 0 || !line) {
      console.error(
        `case ${caseName} run ${run} failed (exit ${child.status})\n${child.stdout.slice(-2000)}`,
      );
      process.exitCode = 1;
      failed.add(caseName);
      continue;
    }
    perCase[caseName]!.push(JSON.parse(line.slice("@@metrics ".length)) as Metrics);
  }
  const metricNames = [...new Set(Object.values(perCase).flatMap((ms) => ms.flatMap((m) => Object.keys(m))))];
  const baseline = perCase[bench.baseline] ?? [];
  const summary: Record<
    string,
    Record<string, { median: number; min: number; max: number; ratio: number | null }>
  > = {};
  const rows: string[][] = [["case", "metric", "median", "min", "max", `ratio vs ${bench.baseline}`]];
  for (const [caseName, ms] of Object.entries(perCase)) {
    summary[caseName] = {};
    for (const metric of metricNames) {
      const values = ms.map((m) => m[metric]).filter((v): v is number => typeof v === "number");
      if (values.length === 0) continue;
      const baseValues = baseline.map((m) => m[metric]).filter((v): v is number => typeof v === "number");
      const med = median(values);
      const baseMed = baseValues.length > 0 ? median(baseValues) : null;
      const ratio = baseMed === null || baseMed === 0 ? null : med / baseMed;
      summary[caseName][metric] = { median: med, min: Math.min(...values), max: Math.max(...values), ratio };
      const arrow =
        bench.higherIsBetter?.[metric] === undefined
          ? ""
          : bench.higherIsBetter[metric]
            ? " (higher is better)"
            : " (lower is better)";
      rows.push([
        caseName,
        metric + arrow,
        fmt(med),
        fmt(Math.min(...values)),
        fmt(Math.max(...values)),
        ratio === null ? "-" : `${ratio.toFixed(2)}x`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(`   ${r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`);
  if (bench.goals)
    for (const [what, goal] of Object.entries(bench.goals)) console.log(`   goal: ${what} ${goal}`);
  const paired: Record<string, { median: number; ratios: number[] }> = {};
  const basePairs =
    against === null
      ? []
      : caseNames
          .filter((c) => !c.endsWith(AT_BASE))
          .flatMap((c) => metricNames.map((metric) => [c, `${c}${AT_BASE}`, metric] as const));
  for (const [caseName, other, metric] of [...(interleave ? (bench.pairs ?? []) : []), ...basePairs]) {
    const a = perCase[caseName];
    const b = perCase[other];
    if (a === undefined || b === undefined || a.length !== b.length || a.length === 0) continue;
    const ratios = a.map((m, k) => m[metric]! / b[k]![metric]!);
    if (ratios.some((r) => !Number.isFinite(r))) continue;
    const key = `${caseName} / ${other} (${metric})`;
    paired[key] = { median: median(ratios), ratios };
    console.log(
      `   paired: ${key}: ${paired[key].median.toFixed(2)}x, run by run ${ratios.map((r) => r.toFixed(2)).join(" ")}`,
    );
  }
  const out = join(resultsDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      {
        name,
        description: bench.description,
        runs,
        interleaved: interleave,
        against,
        node: process.version,
        baseline: bench.baseline,
        summary,
        paired,
        raw: perCase,
      },
      null,
      2,
    ),
  );
  console.log(`   results: ${out}`);
}
