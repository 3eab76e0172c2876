import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { type BuiltConversation, buildChatgptConversation } from "./build-chatgpt-conversation.js";
import { buildClaudeConversation } from "./build-claude-conversation.js";
import type { ConversationKnobs } from "./conversation-knobs.js";
import { createPrng, type Prng } from "./create-prng.js";
import type { ExportTruth } from "./export-truth.js";

/** Which export shape to generate. `chatgpt-shards` streams a ZIP of `conversations-NNN.json` files. */
export type GeneratedExportFormat =
  | "chatgpt-json"
  | "chatgpt-zip"
  | "chatgpt-shards"
  | "claude-json"
  | "claude-zip";

/** Options of `generateExport`; every knob has a modest default so the common call is short. */
export interface GenerateExportOptions {
  readonly format: GeneratedExportFormat;
  /** Same seed, same bytes. */
  readonly seed: number;
  /** Approximate uncompressed JSON size; generation stops at the first conversation past it. @default 65536 */
  readonly targetBytes?: number;
  /** Exact number of (well-formed) conversations instead of `targetBytes`. */
  readonly conversations?: number;
  /** Turns per ordinary conversation, as [min, max]. @default [1, 40] */
  readonly turns?: readonly [number, number];
  /** Characters per message, as [min, max]. @default [20, 1500] */
  readonly messageChars?: readonly [number, number];
  /** Chance per turn of an edit (and half that of a regeneration) left as a branch. @default 0.05 */
  readonly branches?: number;
  /** System, tool-call, tool-output, thoughts and reasoning-recap nodes. @default true */
  readonly hiddenNodes?: boolean;
  /** Chance a user message is multimodal (image + text, image only, audio transcription). @default 0.05 */
  readonly multimodal?: number;
  /** Chance a message has a null timestamp. @default 0.02 */
  readonly nullTimestamps?: number;
  /** Chance a conversation has `current_node: null`. @default 0.05 */
  readonly nullCurrentNode?: number;
  /** Non-ASCII words (accents, CJK, RTL, emoji). @default true */
  readonly nonAscii?: boolean;
  /** Chance a message carries a lone surrogate or a NUL. @default 0.01 */
  readonly textHazards?: number;
  /** 2023-era ChatGPT shapes / legacy flat Claude exports in some conversations. @default true */
  readonly legacy?: boolean;
  /** Number of conversations with 1,000+ turns. @default 0 */
  readonly longConversations?: number;
  /** Adds one conversation of about this many bytes (0: none). @default 0 */
  readonly hugeConversationBytes?: number;
  /** Number of malformed elements (invalid JSON, not an object, no `mapping`) among the conversations. @default 0 */
  readonly malformed?: number;
  /** `chatgpt-shards`: number of shard files. @default 3 */
  readonly shards?: number;
  /** `chatgpt-shards`: conversations repeated in a later shard (half newer, half older). @default 2 */
  readonly duplicates?: number;
  /** Wrap the array as `{ "conversations": [...] }` (JSON formats). @default false */
  readonly wrapper?: boolean;
  /** Pretty-print with 2-space indentation. @default false */
  readonly pretty?: boolean;
  /** Start with a UTF-8 BOM. @default false */
  readonly bom?: boolean;
  /**
   * ZIP formats: add the side files a full export carries (`users.json`/`user.json`, Claude's
   * `projects.json`). `false` gives a ZIP holding only the conversations file(s), like the batch of
   * Claude's split export that holds `conversations.json`. @default true
   */
  readonly sideFiles?: boolean;
  /** Add a nested `attachments.zip` entry to ZIP formats (must be skipped). @default false */
  readonly nestedZip?: boolean;
  /** Keep every conversation's truth (`"full"`) or only counts. @default "full" up to 64 MB, else "counts" */
  readonly truth?: "full" | "counts";
  /** ZIP deflate level. @default 6, or 1 above 64 MB */
  readonly zipLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** A generated export: its bytes (re-generated on every call, never held whole) and its truth. */
export interface GeneratedExport {
  /** A file name for it: `conversations.json` or `export.zip`. */
  readonly name: string;
  /** Streams the bytes; `truth` is complete once the iteration ends. */
  bytes(): AsyncIterable<Uint8Array>;
  /** The ground truth of the last `bytes()` run (or of the run in progress). */
  readonly truth: ExportTruth;
}

const encoder = new TextEncoder();
const FLUSH_BYTES = 256 * 1024;

/**
 * Generates a synthetic ChatGPT or Claude.ai export, seeded and streaming (1 KB to several GB
 * without holding it in memory), with ground truth beside the bytes: what a correct reader yields
 * and the issues it reports.
 * @example
 * const gen = generateExport({ format: "chatgpt-json", seed: 1, targetBytes: 1e6 });
 * const bytes = await collect(gen.bytes()); // then compare readExport(bytes) with gen.truth
 */
export function generateExport(options: GenerateExportOptions): GeneratedExport {
  const truth: ExportTruth = {
    conversations: [],
    issues: [],
    conversationCount: 0,
    messageCount: 0,
    jsonBytes: 0,
    largestConversationBytes: 0,
  };
  const zip =
    options.format === "chatgpt-zip" ||
    options.format === "claude-zip" ||
    options.format === "chatgpt-shards";
  return {
    name: zip ? "export.zip" : "conversations.json",
    truth,
    bytes() {
      reset(truth);
      return zip ? zipBytes(options, truth) : jsonFile(options, truth, planFiles(options)[0]!);
    },
  };
}

/** The files of an export (one `conversations.json`, or shards), each a stream of JSON bytes. */
export interface GeneratedFile {
  readonly name: string;
  readonly shard: number;
}

/** Names of the JSON files of an export: one for JSON/ZIP formats, `shards` for `chatgpt-shards`. */
export function planFiles(options: GenerateExportOptions): GeneratedFile[] {
  if (options.format !== "chatgpt-shards") return [{ name: "conversations.json", shard: 0 }];
  const n = Math.max(1, options.shards ?? 3);
  return Array.from({ length: n }, (_, i) => ({
    name: `conversations-${String(i).padStart(3, "0")}.json`,
    shard: i,
  }));
}

function reset(truth: ExportTruth): void {
  truth.conversations.length = 0;
  truth.issues.length = 0;
  truth.conversationCount = 0;
  truth.messageCount = 0;
  truth.jsonBytes = 0;
  truth.largestConversationBytes = 0;
}

function knobsOf(
  options: GenerateExportOptions,
  turns: (rng: Prng) => number,
  extra: Partial<ConversationKnobs> = {},
): ConversationKnobs {
  return {
    turns,
    messageChars: options.messageChars ?? [20, 1500],
    branches: options.branches ?? 0.05,
    hiddenNodes: options.hiddenNodes ?? true,
    multimodal: options.multimodal ?? 0.05,
    attachments: 0.03,
    nullTimestamps: options.nullTimestamps ?? 0.02,
    nullTitles: 0.02,
    nullCurrentNode: options.nullCurrentNode ?? 0.05,
    nonAscii: options.nonAscii ?? true,
    citations: 0.05,
    textHazards: options.textHazards ?? 0.01,
    instructions: 0.05,
    legacy: options.legacy ?? true,
    unknownBlocks: 0.02,
    ...extra,
  };
}

/**
 * Every element of every file, in order: for each file the JSON texts of its elements. Shared by the
 * JSON and ZIP writers so both produce the same conversations for a seed.
 */
export async function* generateFiles(
  options: GenerateExportOptions,
  truth: ExportTruth,
): AsyncGenerator<{ file: GeneratedFile; elements: AsyncGenerator<string> }> {
  const files = planFiles(options);
  const rng = createPrng(options.seed);
  const claude = options.format.startsWith("claude");
  const fullTruth = (options.truth ?? ((options.targetBytes ?? 0) > 64e6 ? "counts" : "full")) === "full";
  const target = options.targetBytes ?? 65536;
  const [minTurns, maxTurns] = options.turns ?? [1, 40];
  const ordinary = knobsOf(options, (r) =>
    r.chance(0.7) ? r.int(minTurns, Math.max(minTurns, Math.ceil(maxTurns / 3))) : r.int(minTurns, maxTurns),
  );
  const long = knobsOf(options, (r) => r.int(1000, 1200), { messageChars: [20, 300] });
  let longLeft = options.longConversations ?? 0;
  let malformedLeft = options.malformed ?? 0;
  let hugeLeft = options.hugeConversationBytes ?? 0;
  const exact = options.conversations;
  let made = 0;
  let bytes = 0;
  const duplicatesWanted = options.format === "chatgpt-shards" ? (options.duplicates ?? 2) : 0;
  const dupSources: { id: string; index: number; shard: number; update: number }[] = [];
  let dupMade = 0;
  const perShard = exact !== undefined ? Math.ceil(exact / files.length) : Infinity;
  const shardTarget = target / files.length;

  const build = (id: string, index: number, knobs: ConversationKnobs): BuiltConversation =>
    claude ? buildClaudeConversation(rng, id, index, knobs) : buildChatgptConversation(rng, id, index, knobs);

  const record = (built: BuiltConversation, json: string) => {
    truth.conversationCount++;
    truth.messageCount += built.truth.messages.length;
    truth.largestConversationBytes = Math.max(truth.largestConversationBytes, json.length);
    if (fullTruth) truth.conversations.push(built.truth);
    truth.issues.push(...built.issues);
  };

  for (const file of files) {
    const last = file.shard === files.length - 1;
    const elements = async function* (): AsyncGenerator<string> {
      let inShard = 0;
      let shardBytes = 0;
      for (;;) {
        const done =
          exact !== undefined
            ? made >= exact || (!last && inShard >= perShard)
            : last
              ? bytes >= target
              : shardBytes >= shardTarget;
        if (done && longLeft === 0 && hugeLeft === 0 && malformedLeft === 0) break;
        if (done && !last) break;
        let json: string;
        if (malformedLeft > 0 && (done || rng.chance(0.2))) {
          malformedLeft--;
          json = malformedElement(rng, made * 1000 + malformedLeft, claude);
          truth.issues.push({ code: "malformed-conversation" });
        } else if (
          duplicatesWanted > dupMade &&
          file.shard > 0 &&
          dupSources.some((d) => d.shard < file.shard) &&
          rng.chance(0.3)
        ) {
          const src = dupSources.shift()!;
          const newer = dupMade % 2 === 0;
          dupMade++;
          const copy = build(src.id, src.index, {
            ...ordinary,
            nullCurrentNode: 0,
            textHazards: 0,
            legacy: false,
            unknownBlocks: 0,
            updateTime: newer ? src.update + 10 : src.update - 10,
          });
          json = stringify(copy.value, options.pretty);
          truth.issues.push({ code: "duplicate-conversation", conversationId: src.id });
          if (newer) {
            // The later, newer copy replaces the earlier one in the reader's output.
            const at = truth.conversations.findIndex((c) => c.id === src.id);
            const old = at >= 0 ? truth.conversations.splice(at, 1)[0]! : null;
            truth.conversationCount--;
            truth.messageCount -= old ? old.messages.length : 0;
            record(copy, json);
          }
        } else {
          const id = `${claude ? "claude" : "chatgpt"}-${options.seed}-${made}`;
          let knobs = ordinary;
          if (hugeLeft > 0 && (done || rng.chance(0.1))) {
            const chars = Math.max(1000, Math.round(hugeLeft / 400));
            knobs = knobsOf(options, () => 200, { messageChars: [chars, chars], branches: 0 });
            hugeLeft = 0;
          } else if (longLeft > 0 && (done || rng.chance(0.1))) {
            knobs = long;
            longLeft--;
          }
          if (duplicatesWanted > dupSources.length + dupMade && file.shard < files.length - 1) {
            knobs = {
              ...knobs,
              nullCurrentNode: 0,
              textHazards: 0,
              legacy: false,
              unknownBlocks: 0,
              updateTime: 1_700_000_000 + made,
            };
            dupSources.push({ id, index: made, shard: file.shard, update: 1_700_000_000 + made });
          }
          const built = build(id, made, knobs);
          made++;
          inShard++;
          json = stringify(built.value, options.pretty);
          record(built, json);
        }
        bytes += json.length;
        shardBytes += json.length;
        yield json;
      }
    };
    yield { file, elements: elements() };
  }
}

function stringify(value: unknown, pretty: boolean | undefined): string {
  return pretty ? JSON.stringify(value, null, 2).replace(/\n/g, "\n  ") : JSON.stringify(value);
}

function malformedElement(rng: Prng, n: number, claude: boolean): string {
  const kind = rng.int(0, 2);
  if (kind === 0) return `{"id":"broken-${n}","title":"broken","mapping":{"a":{"message":nul}},"x":[1,2]}`;
  if (kind === 1) return `"just a string ${n}"`;
  return claude ? `{"uuid":"broken-${n}","name":"no messages"}` : `{"id":"broken-${n}","title":"no mapping"}`;
}

/** Streams one JSON file of the export (array, wrapper, pretty, BOM as the options say). */
async function* jsonFile(
  options: GenerateExportOptions,
  truth: ExportTruth,
  file: GeneratedFile,
): AsyncGenerator<Uint8Array> {
  for await (const f of generateFiles(options, truth)) {
    if (f.file.name !== file.name) continue;
    yield* encodeFile(options, truth, f.elements);
  }
}

async function* encodeFile(
  options: GenerateExportOptions,
  truth: ExportTruth,
  elements: AsyncIterable<string>,
): AsyncGenerator<Uint8Array> {
  const nl = options.pretty ? "\n" : "";
  let buffer =
    (options.bom ? "\uFEFF" : "") +
    (options.wrapper ? `{"exported_at":"2026-01-01T00:00:00Z",${nl}"conversations":${nl}[${nl}` : `[${nl}`);
  let first = true;
  for await (const element of elements) {
    buffer += (first ? (options.pretty ? "  " : "") : `,${nl}${options.pretty ? "  " : ""}`) + element;
    first = false;
    if (buffer.length >= FLUSH_BYTES) {
      const bytes = encoder.encode(buffer);
      truth.jsonBytes += bytes.length;
      yield bytes;
      buffer = "";
    }
  }
  buffer += `${nl}]${options.wrapper ? `,${nl}"processed":true}` : ""}${nl}`;
  const bytes = encoder.encode(buffer);
  truth.jsonBytes += bytes.length;
  yield bytes;
}

/** Streams a ZIP: the JSON file(s) deflated, plus the side files a real export carries. */
async function* zipBytes(options: GenerateExportOptions, truth: ExportTruth): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else if (data.length > 0) out.push(data);
  });
  const level = options.zipLevel ?? ((options.targetBytes ?? 0) > 64e6 ? 1 : 6);
  const claude = options.format.startsWith("claude");
  const side = (name: string, text: string) => {
    const entry = new ZipPassThrough(name);
    zip.add(entry);
    entry.push(encoder.encode(text), true);
  };
  const sideFiles = options.sideFiles ?? true;
  if (sideFiles)
    side(
      claude ? "users.json" : "user.json",
      claude ? `[{"uuid":"account-1","full_name":"Test"}]` : `{"id":"user-1","email":"test@example.com"}`,
    );
  if (options.nestedZip) {
    side("attachments.zip", "PK\u0005\u0006" + "\u0000".repeat(18));
    truth.issues.push({ code: "skipped-entry" });
  }
  for await (const f of generateFiles(options, truth)) {
    const entry = new ZipDeflate(f.file.name, { level });
    zip.add(entry);
    for await (const bytes of encodeFile(options, truth, f.elements)) {
      entry.push(bytes, false);
      if (failure) throw failure;
      while (out.length > 0) yield out.shift()!;
    }
    entry.push(new Uint8Array(0), true);
    while (out.length > 0) yield out.shift()!;
  }
  if (claude && sideFiles) side("projects.json", "[]");
  zip.end();
  if (failure) throw failure;
  while (out.length > 0) yield out.shift()!;
}

/** Collects a generated export's bytes in memory (small exports in tests). */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of chunks) {
    parts.push(c);
    size += c.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
