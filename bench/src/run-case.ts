// Child process: runs one case of one benchmark once and prints its metrics as one JSON line.
import { pathToFileURL } from "node:url";
import { type BenchmarkDefinition, peakRssMb } from "./harness.js";

const [file, caseName, runIndex] = process.argv.slice(2);
if (!file || !caseName) throw new Error("usage: run-case <file> <case> <run>");
const mod = (await import(pathToFileURL(file).href)) as { default: BenchmarkDefinition };
const bench = mod.default;
const fixture = bench.setup ? await bench.setup() : undefined;
const benchCase = bench.cases[caseName];
if (!benchCase) throw new Error(`no case ${caseName} in ${file}`);
const metrics = await benchCase.run({ run: Number(runIndex ?? 0), fixture });
if (!("peak RSS MB" in metrics)) metrics["peak RSS MB"] = peakRssMb();
process.stdout.write(`\n@@metrics ${JSON.stringify(metrics)}\n`);
process.exit(0);
