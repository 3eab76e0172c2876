// Export parsing: threadmill's readExport (byte scanner + JSON.parse per conversation + DAG walk +
// render) against whole-file JSON.parse and stream-json 3 on generated minified ChatGPT exports of
// 100 MB and 1 GB, a 1 GB export ZIP, and an export holding one 100 MB conversation.
//
// Inputs are generated once (seeded) under PARSE_BENCH_DIR (default /tmp/threadmill-bench) and
// reused. Each measured run happens in a child process on plain Node running an esbuild bundle of
// the code under test, so peak RSS is the library's own and not the TypeScript loader's (tsx alone
// adds ~100 MB). "MB/s (CPU)" divides by the child's CPU time (user + system, GC threads
// included): on a shared, loaded machine it is steadier than wall-clock MB/s.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type GenerateExportOptions, generateExportToFile } from "@threadmill/testkit";
import { defineBenchmark, type Metrics } from "../harness.js";

const DIR = process.env.PARSE_BENCH_DIR ?? "/tmp/threadmill-bench";
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const CHILD = join(DIR, "parse-child.mjs");

const INPUTS: Record<string, GenerateExportOptions> = {
  "conv100.json": {
    format: "chatgpt-json",
    seed: 100,
    targetBytes: 100e6,
    longConversations: 5,
    truth: "counts",
  },
  "conv1g.json": {
    format: "chatgpt-json",
    seed: 1000,
    targetBytes: 1e9,
    longConversations: 20,
    truth: "counts",
  },
  "export1g.zip": {
    format: "chatgpt-zip",
    seed: 1001,
    targetBytes: 1e9,
    longConversations: 20,
    truth: "counts",
    zipLevel: 1,
  },
  "huge100.json": {
    format: "chatgpt-json",
    seed: 7,
    targetBytes: 1e6,
    hugeConversationBytes: 100e6,
    truth: "counts",
  },
};

// The child: one measurement, printed as one JSON line.
const CHILD_SOURCE = `
import { readFileSync, createReadStream, statSync } from "node:fs";
import { readExport } from ${JSON.stringify(join(root, "packages/core/src/node/read-export.ts"))};
import { streamArray } from "stream-json/streamers/stream-array.js";
const [method, path] = process.argv.slice(2);
const size = statSync(path).size;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const out = {};
if (method === "readExport") {
  let conversations = 0, messages = 0, issues = 0, total = 0;
  for await (const c of readExport(path, { onIssue: () => issues++, onProgress: (p) => (total = p.totalBytes ?? p.bytes) })) {
    conversations++;
    messages += c.messages.length;
  }
  Object.assign(out, { conversations, messages, issues, jsonBytes: total });
} else if (method === "JSON.parse") {
  const data = JSON.parse(readFileSync(path, "utf8"));
  let nodes = 0;
  for (const c of data) nodes += Object.keys(c.mapping).length;
  Object.assign(out, { conversations: data.length, nodes, jsonBytes: size });
} else if (method === "stream-json") {
  let conversations = 0, nodes = 0;
  const pipeline = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(streamArray.withParserAsStream());
  for await (const item of pipeline) {
    conversations++;
    nodes += Object.keys(item.value.mapping).length;
  }
  Object.assign(out, { conversations, nodes, jsonBytes: size });
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const mb = out.jsonBytes / 1e6;
console.log(JSON.stringify({ "MB/s": mb / seconds, "MB/s (CPU)": mb / ((cpu.user + cpu.system) / 1e6), seconds, "peak RSS MB": process.resourceUsage().maxRSS / 1024, conversations: out.conversations, ...(out.messages === undefined ? {} : { messages: out.messages }) }));
`;

async function ensureInput(name: string): Promise<string> {
  const path = join(DIR, name);
  if (!existsSync(path)) {
    await generateExportToFile(`${path}.partial`, INPUTS[name]!);
    renameSync(`${path}.partial`, path);
  }
  return path;
}

/** Newest modification time under a folder, so the bundle is rebuilt only when the code changed. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function ensureChild(): Promise<void> {
  // esbuild is reached through tsup (a root dev dependency) rather than added to the bench.
  const esbuild = createRequire(createRequire(join(root, "package.json")).resolve("tsup"))("esbuild") as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const source = join(DIR, "parse-child.src.mjs");
  writeFileSync(source, CHILD_SOURCE);
  await esbuild.build({
    entryPoints: [source],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: CHILD,
    nodePaths: [join(root, "bench/node_modules"), join(root, "packages/core/node_modules")],
    logLevel: "error",
  });
}

function child(method: string, name: string): Metrics {
  const r = spawnSync(process.execPath, [CHILD, method, join(DIR, name)], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0)
    throw new Error(`child ${method} ${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Metrics;
}

export default defineBenchmark({
  description:
    "readExport (scan + JSON.parse per conversation + walk + render) vs JSON.parse and stream-json 3 on minified generated ChatGPT exports; plain-Node child per run",
  runs: Number(process.env.PARSE_BENCH_RUNS ?? 3),
  baseline: "stream-json 100MB",
  higherIsBetter: { "MB/s": true, "MB/s (CPU)": true, seconds: false, "peak RSS MB": false },
  setup: async () => {
    mkdirSync(DIR, { recursive: true });
    for (const name of Object.keys(INPUTS)) await ensureInput(name);
    if (!existsSync(CHILD) || statSync(CHILD).mtimeMs < newestSource(join(root, "packages/core/src")))
      await ensureChild();
  },
  cases: {
    "stream-json 100MB": { run: () => child("stream-json", "conv100.json") },
    "JSON.parse 100MB": { run: () => child("JSON.parse", "conv100.json") },
    "readExport 100MB": { run: () => child("readExport", "conv100.json") },
    "stream-json 1GB": { run: () => child("stream-json", "conv1g.json") },
    "readExport 1GB": { run: () => child("readExport", "conv1g.json") },
    "readExport 1GB ZIP (inflate + parse; MB of JSON)": { run: () => child("readExport", "export1g.zip") },
    "readExport one 100MB conversation": { run: () => child("readExport", "huge100.json") },
  },
  goals: {
    "readExport 100MB vs stream-json 100MB (MB/s)": ">= 2.5x",
    "readExport 100MB vs JSON.parse 100MB (MB/s)": ">= 0.75x, same run",
    "peak RSS, readExport 100MB and 1GB": "<= 200 MB (largest conversation < 20 MB)",
  },
});
