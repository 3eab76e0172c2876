// The chunker against LangChain's RecursiveCharacterTextSplitter (gpt-tokenizer o200k_base as its
// length function), 512 tokens, overlap 64, on two inputs:
// - "prose": 5 MB of real English prose (Vim's help files from /usr/share/vim, else the Markdown
//   files under node_modules), cut into paragraphs, grouped into messages of 1-3 KB and those into
//   conversations of 4-40 messages;
// - "export": the conversations (active paths) of a generated 100 MB ChatGPT export: testkit's
//   generator (the parse benchmark's conv100.json settings), read back with readExport.
// - "prose, one conversation": the same 5 MB as a single conversation of its ~2,000 messages, which
//   the pool cuts into stretches chunked on both threads and joined (the same chunks);
// - "prose: 2 processes", "export: 2 processes": two independent processes, each chunking every
//   other conversation with one chunker, started together: what two cores give on this machine at
//   that moment (other users' load included), the ceiling for the pool, which also has to send work
//   and chunks across.
// Both splitters see the same characters: LangChain gets each conversation's formatted text.
// Every case first chunks a warm-up set untimed, WARM_UP_PASSES (8) times over (1 MB of text of
// the same kind that is not part of the input: the next Vim help files, or a generated export with
// another seed; a pool: 8 times per thread, a 2-processes half: 8 times), so what is timed is
// steady-state throughput: a thread's first MBs also pay for V8 compiling the code on helper
// threads, which a single thread gets for free on the idle core and a pool's threads take from each
// other (chunk-cache.ts says what `--trace-opt` showed).
// Every chunk is re-encoded after the timed part to count chunks over the limit. Amplification is
// characters handed to the tokenizer / characters of text.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { type Chunk, createChunker, type Message } from "@threadmill/core";
import { type ChunkerPool, createChunkerPool, readExport } from "@threadmill/core/node";
import { generateExportToFile } from "@threadmill/testkit";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { defineBenchmark, type Metrics } from "../harness.js";
import { type Conv, readCachedConversations, warmUpRuns } from "./chunk-cache.js";

const MAX = 512;
// Bytes of the prose input; characters of text in each warm-up set.
const PROSE_BYTES = 5_000_000;
const WARM_UP_CHARS = 1_000_000;
const OVERLAP = 64;
const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", ".cache");
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };
const count = (text: string) => countTokens(text, NO_SPECIAL);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function listFiles(dir: string, suffix: string, out: string[], depth = 0): string[] {
  if (depth > 8 || !existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) listFiles(path, suffix, out, depth + 1);
    else if (st?.isFile() && name.endsWith(suffix) && st.size > 2000) out.push(path);
  }
  return out;
}

/** `bytes` of prose from the files after the first `skip` bytes of them (the warm-up set's text). */
function proseCorpus(bytes: number, skip = 0): { text: string; source: string } {
  const vim = "/usr/share/vim/vim90/doc";
  let files = listFiles(vim, ".txt", []);
  let source = "vim help files";
  if (files.length === 0) {
    files = listFiles(join(here, "..", "..", "..", "node_modules", ".pnpm"), ".md", []);
    source = "node_modules Markdown";
  }
  const parts: string[] = [];
  let size = 0;
  let skipped = 0;
  for (const f of files) {
    const t = readFileSync(f, "utf8");
    if (skipped < skip) {
      skipped += Buffer.byteLength(t);
      continue;
    }
    parts.push(t);
    size += Buffer.byteLength(t);
    if (size >= bytes) break;
  }
  let text = parts.join("\n\n");
  while (Buffer.byteLength(text) < bytes) text += `\n\n${text}`;
  return {
    text: Buffer.from(text)
      .subarray(0, bytes)
      .toString("utf8")
      .replace(/\uFFFD+$/, ""),
    source,
  };
}

const message = (id: string, i: number, text: string): Message => ({
  id: `${id}-m${i}`,
  role: i % 2 === 0 ? "user" : "assistant",
  text,
  createdAt: new Date(1_700_000_000_000 + i * 60_000),
  attachments: [],
});

function proseConversations(bytes = PROSE_BYTES, skip = 0): Conv[] {
  const { text } = proseCorpus(bytes, skip);
  const random = rng(1);
  const paragraphs = text.split(/\n{2,}/);
  const convs: Conv[] = [];
  let p = 0;
  while (p < paragraphs.length) {
    const id = `prose-${skip === 0 ? "" : "warm-"}${convs.length}`;
    const messages: Message[] = [];
    const turns = 4 + Math.floor(random() * 37);
    for (let i = 0; i < turns && p < paragraphs.length; i++) {
      const target = 1000 + random() * 2000;
      const chunk: string[] = [];
      let size = 0;
      while (size < target && p < paragraphs.length) {
        const para = paragraphs[p++]!;
        chunk.push(para);
        size += para.length;
      }
      messages.push(message(id, i, chunk.join("\n\n")));
    }
    convs.push({ id, messages });
  }
  return convs;
}

/**
 * The conversations (active paths) of a ChatGPT export testkit generates once into the cache, up to
 * `maxChars` characters of message text.
 */
async function generatedExport(
  name: string,
  seed: number,
  targetBytes: number,
  longConversations: number,
  maxChars = Number.POSITIVE_INFINITY,
): Promise<Conv[]> {
  const file = join(cacheDir, `chunk-${name}.source.json`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    await generateExportToFile(`${file}.partial`, {
      format: "chatgpt-json",
      seed,
      targetBytes,
      longConversations,
      truth: "counts",
    });
    renameSync(`${file}.partial`, file);
  }
  const convs: Conv[] = [];
  let chars = 0;
  for await (const c of readExport(file, { onIssue: () => {} })) {
    if (chars >= maxChars) break;
    convs.push({ id: c.id, messages: c.messages });
    chars += c.messages.reduce((n, m) => n + m.text.length, 0);
  }
  return convs;
}

// The parse benchmark's conv100.json settings.
const exportConversations = () => generatedExport("export-100mb", 100, 100e6, 5);
/** Conversations of a smaller generated export (another seed), up to WARM_UP_CHARS of text. */
const exportWarmUp = () => generatedExport("export-warm", 101, 5e6, 1, WARM_UP_CHARS);

async function cached(name: string, make: () => Conv[] | Promise<Conv[]>): Promise<Conv[]> {
  const file = join(cacheDir, `chunk-${name}.json`);
  if (existsSync(file)) return readCachedConversations(file);
  const convs = await make();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(convs));
  return convs;
}

// Cache file names (under .cache, `chunk-<name>.json`) of each input and its warm-up set.
const INPUT_FILES = { prose: "prose-5mb", export: "export-100mb" } as const;
const WARM_FILES = { prose: "prose-warm-1mb", export: "export-warm-1mb" } as const;

/** An input and its warm-up set. */
interface Input {
  readonly convs: Conv[];
  readonly warm: Conv[];
}
// Loaded on first use, so a case's peak RSS holds only its own input.
interface Fixture {
  readonly prose: () => Promise<Input>;
  readonly export: () => Promise<Input>;
}
const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

const formatter = createChunker();
const textMb = (convs: Conv[]) =>
  convs.reduce((n, c) => n + Buffer.byteLength(formatter.format(c.messages)), 0) / 1e6;

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function verify(chunks: readonly (string | Chunk)[], seconds: number, mb: number, cpu: number): Metrics {
  let over = 0;
  let maxSeen = 0;
  let tokens = 0;
  for (const c of chunks) {
    const n = count(typeof c === "string" ? c : c.text);
    tokens += n;
    if (n > MAX) over++;
    if (n > maxSeen) maxSeen = n;
  }
  return {
    "MB/s": mb / seconds,
    seconds,
    // CPU time of the process (worker threads included): steadier than wall time on a shared machine.
    "cpu s": cpu,
    chunks: chunks.length,
    "chunks over limit": over,
    "max tokens": maxSeen,
    "mean tokens": tokens / Math.max(1, chunks.length),
  };
}

async function langchain({ convs, warm }: Input): Promise<Metrics> {
  let tokenized = 0;
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: MAX,
    chunkOverlap: OVERLAP,
    lengthFunction: (t: string) => {
      tokenized += t.length;
      return count(t);
    },
  });
  const texts = convs.map((c) => formatter.format(c.messages));
  const chars = texts.reduce((n, t) => n + t.length, 0);
  for (const c of warmUpRuns(warm)) await splitter.splitText(formatter.format(c.messages));
  tokenized = 0;
  const cpu = cpuSeconds();
  const started = performance.now();
  const out: string[] = [];
  for (const t of texts) for (const piece of await splitter.splitText(t)) out.push(piece);
  const seconds = (performance.now() - started) / 1000;
  return { ...verify(out, seconds, textMb(convs), cpuSeconds() - cpu), amplification: tokenized / chars };
}

function single({ convs, warm: warmUp }: Input): Metrics {
  const chunker = createChunker({ maxTokens: MAX, overlapTokens: OVERLAP });
  for (const c of warmUpRuns(warmUp)) for (const _ of chunker.chunk(c));
  const warm = chunker.stats();
  const cpu = cpuSeconds();
  const started = performance.now();
  const out: Chunk[] = [];
  for (const c of convs) for (const chunk of chunker.chunk(c)) out.push(chunk);
  const seconds = (performance.now() - started) / 1000;
  const stats = chunker.stats();
  return {
    ...verify(out, seconds, textMb(convs), cpuSeconds() - cpu),
    amplification: (stats.tokenizedChars - warm.tokenizedChars) / (stats.textChars - warm.textChars),
  };
}

/** `convs` through `pool`, `lanes` calls in flight, in order; each conversation's chunks. */
async function through(p: ChunkerPool, convs: readonly Conv[], lanes: number): Promise<Chunk[][]> {
  const results: Chunk[][] = new Array(convs.length);
  let next = 0;
  const lane = async () => {
    while (next < convs.length) {
      const i = next++;
      results[i] = await p.chunk(convs[i]!);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

async function pool({ convs, warm }: Input, threads: number): Promise<Metrics> {
  const p = createChunkerPool({ threads, maxTokens: MAX, overlapTokens: OVERLAP });
  // Every thread gets about the warm-up one chunker gets: the runs once per thread, sent as the
  // timed part is (each thread takes the next call when it has room, so each sees about one share).
  await through(p, warmUpRuns(warm, threads), threads * 4);
  const cpu = cpuSeconds();
  const started = performance.now();
  const results = await through(p, convs, threads * 4);
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSeconds() - cpu;
  await p.close();
  return verify(results.flat(), seconds, textMb(convs), used);
}

/** All prose conversations' messages as one conversation (the same warm-up set). */
const asOne = ({ convs, warm }: Input): Input => ({
  convs: [{ id: "prose-one", messages: convs.flatMap((c) => c.messages) }],
  warm,
});

/** Two child processes, each chunking half of a cached input's conversations, started together. */
async function twoProcesses({ convs }: Input, input: "prose" | "export"): Promise<Metrics> {
  const file = join(cacheDir, `chunk-${INPUT_FILES[input]}.json`);
  const warmFile = join(cacheDir, `chunk-${WARM_FILES[input]}.json`);
  const children = [0, 1].map((half) =>
    spawn(
      process.execPath,
      [...process.execArgv, join(here, "chunk-half.ts"), file, warmFile, String(half)],
      { stdio: ["pipe", "pipe", "inherit"] },
    ),
  );
  const lines = children.map((child) => {
    const queue: string[] = [];
    const waiters: ((line: string) => void)[] = [];
    let buffer = "";
    child.stdout.on("data", (data: Buffer) => {
      buffer += data.toString();
      for (let i = buffer.indexOf("\n"); i !== -1; i = buffer.indexOf("\n")) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        const waiter = waiters.shift();
        if (waiter) waiter(line);
        else queue.push(line);
      }
    });
    return () =>
      new Promise<string>((resolve) => {
        const line = queue.shift();
        if (line !== undefined) resolve(line);
        else waiters.push(resolve);
      });
  });
  await Promise.all(lines.map((next) => next()));
  const started = performance.now();
  for (const child of children) child.stdin.write("go\n");
  const results = (await Promise.all(lines.map((next) => next()))).map(
    (l) => JSON.parse(l) as { seconds: number; cpu: number; chunks: number },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    "MB/s": textMb(convs) / seconds,
    seconds,
    "slower half s": Math.max(...results.map((r) => r.seconds)),
    // Both children's CPU time while chunking: against "cpu s" of one chunker, what running two at
    // once costs in CPU on this machine (shared caches, memory bandwidth, other load).
    "cpu s": results.reduce((n, r) => n + r.cpu, 0),
    chunks: results.reduce((n, r) => n + r.chunks, 0),
  };
}

export default defineBenchmark({
  description: `chunking at ${MAX} tokens, overlap ${OVERLAP}, o200k_base: 5 MB prose and the text of a generated 100 MB export, threadmill vs LangChain RCTS + gpt-tokenizer`,
  baseline: "prose: langchain",
  runs: 3,
  higherIsBetter: {
    "MB/s": true,
    seconds: false,
    "cpu s": false,
    "chunks over limit": false,
    amplification: false,
    "max tokens": false,
    "mean tokens": true,
  },
  setup: (): Fixture => ({
    prose: once(async () => ({
      convs: await cached(INPUT_FILES.prose, () => proseConversations()),
      warm: await cached(WARM_FILES.prose, () => proseConversations(WARM_UP_CHARS, PROSE_BYTES)),
    })),
    export: once(async () => ({
      convs: await cached(INPUT_FILES.export, exportConversations),
      warm: await cached(WARM_FILES.export, exportWarmUp),
    })),
  }),
  cases: {
    "prose: langchain": { run: async ({ fixture }) => langchain(await (fixture as Fixture).prose()) },
    "prose: chunker": { run: async ({ fixture }) => single(await (fixture as Fixture).prose()) },
    "prose: pool x1": { run: async ({ fixture }) => pool(await (fixture as Fixture).prose(), 1) },
    "prose: pool x2": { run: async ({ fixture }) => pool(await (fixture as Fixture).prose(), 2) },
    "prose: 2 processes": {
      run: async ({ fixture }) => twoProcesses(await (fixture as Fixture).prose(), "prose"),
    },
    "prose, one conversation: chunker": {
      run: async ({ fixture }) => single(asOne(await (fixture as Fixture).prose())),
    },
    "prose, one conversation: pool x2": {
      run: async ({ fixture }) => pool(asOne(await (fixture as Fixture).prose()), 2),
    },
    "export: langchain": { run: async ({ fixture }) => langchain(await (fixture as Fixture).export()) },
    "export: chunker": { run: async ({ fixture }) => single(await (fixture as Fixture).export()) },
    "export: pool x2": { run: async ({ fixture }) => pool(await (fixture as Fixture).export(), 2) },
    "export: 2 processes": {
      run: async ({ fixture }) => twoProcesses(await (fixture as Fixture).export(), "export"),
    },
  },
  pairs: [
    ["prose: chunker", "prose: langchain", "MB/s"],
    ["export: chunker", "export: langchain", "MB/s"],
    ["prose: pool x2", "prose: chunker", "MB/s"],
    ["prose: 2 processes", "prose: chunker", "MB/s"],
    ["export: pool x2", "export: chunker", "MB/s"],
    ["export: 2 processes", "export: chunker", "MB/s"],
  ],
  goals: {
    "chunker MB/s vs langchain (prose, and export vs export: langchain)": ">= 2x",
    "chunks over limit": "0",
    "amplification (overlap included)": "<= 1.1",
    "pool x2 MB/s vs chunker (same input)": ">= 1.6x",
    "2 processes MB/s vs chunker (same input)": "reference: what 2 cores give right now",
  },
});
