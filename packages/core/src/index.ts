export type { Chunk } from "./chunk/chunk.js";
export { loadTokenizer } from "./chunk/bpe-counters.js";
export { type ChunkFormat, DEFAULT_CHUNK_FORMAT } from "./chunk/chunk-format.js";
export { type Chunker, type ChunkerOptions, createChunker } from "./chunk/chunker.js";
export type { ChunkPath } from "./chunk/path-chunks.js";
export { createTokenCounter, type TokenCounter } from "./chunk/token-counter.js";
export { CLAUDE_TOKEN_FACTOR, type TokenizerName, type TokenizerOption } from "./chunk/tokenizer-option.js";
export * from "./admin/index.js";
export * from "./errors/index.js";
export type { Branch, Conversation, ExportSource, Message } from "./export/conversation.js";
export type { Cursor } from "./export/cursor.js";
export {
  type ExportManifest,
  type ExportManifestFile,
  parseExportManifest,
} from "./export/export-manifest.js";
export type { ParseIssue, ParseIssueCode } from "./export/parse-issue.js";
export {
  type DagBranch,
  type DagIssue,
  type DagNode,
  type DagWalk,
  type DagWalkerOptions,
  walkDag,
} from "./dag/dag-walker.js";
export { type ReadExportOptions, type ReadProgress, readExport } from "./export/read-export.js";
export { type CleanTextResult, cleanText } from "./render/clean-text.js";
export { parseTimestamp } from "./render/parse-timestamp.js";
export { renderChatgptMessage } from "./render/render-chatgpt-message.js";
export { renderClaudeMessage } from "./render/render-claude-message.js";
export type { RenderedMessage, RenderNote } from "./render/rendered-message.js";
export { type BytesSourceOptions, createBytesSource } from "./source/create-bytes-source.js";
export { createStreamSource } from "./source/create-stream-source.js";
export type { ExportInput } from "./source/to-source.js";
export {
  type RawInflate,
  type ZipEntry,
  type ZipLimits,
  fflateInflateRaw,
  openZipEntry,
  readZipEntries,
} from "./source/zip-archive.js";
export * from "./facts/index.js";
export * from "./library/index.js";
export * from "./pipeline/index.js";
export * from "./ports/index.js";
export { contentHash } from "./util/hash.js";
export { createJobId } from "./util/job-id.js";
export type { JsonObject, JsonValue } from "./util/json.js";
export { redactSecrets } from "./util/redact.js";
export * from "./sse/index.js";
export * from "./ratelimit/index.js";
export * from "./spend/index.js";
