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
import { type Chunk, type Conversation, createChunker, type Message } from "@threadmill/core";
import { createChunkerPool, readExport } from "@threadmill/core/node";
import { generateExportToFile } from "@threadmill/testkit";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { defineBenchmark, type Metrics } from "../harness.js";

const MAX = 512;
// Every case first processes the first few conversations untimed (a pool: on each of its threads):
// tokenizer tables load, caches and JIT warm up the same way for every splitter; then all are timed.
const WARM_UP = 4;
const OVERLAP = 64;
const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", ".cache");
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };
const count = (text: string) => countTokens(text, NO_SPECIAL);

type Conv = Pick<Conversation, "id" | "messages" | "branches">;

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

function proseCorpus(bytes: number): { text: string; source: string } {
  const vim = "/usr/share/vim/vim90/doc";
  let files = listFiles(vim, ".txt", []);
  let source = "vim help files";
  if (files.length === 0) {
    files = listFiles(join(here, "..", "..", "..", "node_modules", ".pnpm"), ".md", []);
    source = "node_modules Markdown";
  }
  const parts: string[] = [];
  let size = 0;
  for (const f of files) {
    const t = readFileSync(f, "utf8");
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

function proseConversations(): Conv[] {
  const { text } = proseCorpus(5_000_000);
  const random = rng(1);
  const paragraphs = text.split(/\n{2,}/);
  const convs: Conv[] = [];
  let p = 0;
  while (p < paragraphs.length) {
    const id = `prose-${convs.length}`;
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

async function exportConversations(): Promise<Conv[]> {
  const file = join(cacheDir, "chunk-export-100mb.source.json");
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    await generateExportToFile(`${file}.partial`, {
      format: "chatgpt-json",
      seed: 100,
      targetBytes: 100e6,
      longConversations: 5,
      truth: "counts",
    });
    renameSync(`${file}.partial`, file);
  }
  const convs: Conv[] = [];
  for await (const c of readExport(file, { onIssue: () => {} }))
    convs.push({ id: c.id, messages: c.messages });
  return convs;
}

async function cached(name: string, make: () => Conv[] | Promise<Conv[]>): Promise<Conv[]> {
  const file = join(cacheDir, `chunk-${name}.json`);
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Conv[];
    for (const c of raw) {
      for (const m of c.messages) {
        const at = m.createdAt as unknown as string | null;
        (m as { createdAt: Date | null }).createdAt = at === null ? null : new Date(at);
      }
    }
    return raw;
  }
  const convs = await make();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(convs));
  return convs;
}

// Loaded on first use, so a case's peak RSS holds only its own input.
interface Fixture {
  readonly prose: () => Promise<Conv[]>;
  readonly export: () => Promise<Conv[]>;
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

async function langchain(convs: Conv[]): Promise<Metrics> {
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
  for (const t of texts.slice(0, WARM_UP)) await splitter.splitText(t);
  tokenized = 0;
  const cpu = cpuSeconds();
  const started = performance.now();
  const out: string[] = [];
  for (const t of texts) for (const piece of await splitter.splitText(t)) out.push(piece);
  const seconds = (performance.now() - started) / 1000;
  return { ...verify(out, seconds, textMb(convs), cpuSeconds() - cpu), amplification: tokenized / chars };
}

function single(convs: Conv[], warmUp = convs.slice(0, WARM_UP)): Metrics {
  const chunker = createChunker({ maxTokens: MAX, overlapTokens: OVERLAP });
  for (const c of warmUp) for (const _ of chunker.chunk(c));
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

async function pool(convs: Conv[], threads: number, warmUp = convs.slice(0, WARM_UP)): Promise<Metrics> {
  const p = createChunkerPool({ threads, maxTokens: MAX, overlapTokens: OVERLAP });
  // Every thread gets the warm-up one chunker gets: the warm-up set once per thread, at once (the
  // pool hands each thread two requests at a time, so each sees about one copy).
  await Promise.all(
    Array.from({ length: threads }, () => warmUp)
      .flat()
      .map((c) => p.chunk(c)),
  );
  const cpu = cpuSeconds();
  const started = performance.now();
  const results: Chunk[][] = new Array(convs.length);
  let next = 0;
  const lane = async () => {
    while (next < convs.length) {
      const i = next++;
      results[i] = await p.chunk(convs[i]!);
    }
  };
  await Promise.all(Array.from({ length: threads * 4 }, lane));
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSeconds() - cpu;
  await p.close();
  return verify(results.flat(), seconds, textMb(convs), used);
}

/** All prose conversations' messages as one conversation (warmed up on the first few conversations). */
const asOne = (convs: Conv[]): [Conv[], Conv[]] => [
  [{ id: "prose-one", messages: convs.flatMap((c) => c.messages) }],
  convs.slice(0, WARM_UP),
];

/** Two child processes, each chunking half of a cached input's conversations, started together. */
async function twoProcesses(convs: Conv[], input: "prose-5mb" | "export-100mb"): Promise<Metrics> {
  const file = join(cacheDir, `chunk-${input}.json`);
  const children = [0, 1].map((half) =>
    spawn(process.execPath, [...process.execArgv, join(here, "chunk-half.ts"), file, String(half)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
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
    prose: once(() => cached("prose-5mb", proseConversations)),
    export: once(() => cached("export-100mb", exportConversations)),
  }),
  cases: {
    "prose: langchain": { run: async ({ fixture }) => langchain(await (fixture as Fixture).prose()) },
    "prose: chunker": { run: async ({ fixture }) => single(await (fixture as Fixture).prose()) },
    "prose: pool x1": { run: async ({ fixture }) => pool(await (fixture as Fixture).prose(), 1) },
    "prose: pool x2": { run: async ({ fixture }) => pool(await (fixture as Fixture).prose(), 2) },
    "prose: 2 processes": {
      run: async ({ fixture }) => twoProcesses(await (fixture as Fixture).prose(), "prose-5mb"),
    },
    "prose, one conversation: chunker": {
      run: async ({ fixture }) => single(...asOne(await (fixture as Fixture).prose())),
    },
    "prose, one conversation: pool x2": {
      run: async ({ fixture }) => {
        const [one, warmUp] = asOne(await (fixture as Fixture).prose());
        return pool(one, 2, warmUp);
      },
    },
    "export: langchain": { run: async ({ fixture }) => langchain(await (fixture as Fixture).export()) },
    "export: chunker": { run: async ({ fixture }) => single(await (fixture as Fixture).export()) },
    "export: pool x2": { run: async ({ fixture }) => pool(await (fixture as Fixture).export(), 2) },
    "export: 2 processes": {
      run: async ({ fixture }) => twoProcesses(await (fixture as Fixture).export(), "export-100mb"),
    },
  },
  goals: {
    "chunker MB/s vs langchain (prose, and export vs export: langchain)": ">= 2x",
    "chunks over limit": "0",
    "amplification (overlap included)": "<= 1.1",
    "pool x2 MB/s vs chunker (same input)": ">= 1.6x",
    "2 processes MB/s vs chunker (same input)": "reference: what 2 cores give right now",
  },
});
