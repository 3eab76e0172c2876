// Node-only parts of @threadmill/core (file and directory sources, the worker-thread chunker pool).
// They arrive with the export-reading and chunker work; this entry re-exports the portable API so
// `@threadmill/core/node` is a superset of `@threadmill/core`.
export * from "./index.js";
export { type ChunkerPool, type ChunkerPoolOptions, createChunkerPool } from "./node/chunker-pool.js";
export { createDirectorySource } from "./node/create-directory-source.js";
export { type FileSourceOptions, createFileSource } from "./node/create-file-source.js";
export { type HttpSourceOptions, createHttpSource } from "./source/create-http-source.js";
export { readExport } from "./node/read-export.js";
export { zlibInflateRaw } from "./node/zlib-inflate-raw.js";
export {
  createImportChunkerPool,
  defaultChunkerThreads,
  type ImportChunkerPoolOptions,
  type NodeImportChunkerPool,
} from "./node/import-chunker-pool.js";
export { createImportPipeline, type NodeImportPipelineOptions } from "./node/create-node-import-pipeline.js";
export { createRunner } from "./node/create-node-runner.js";
export { nodeSources } from "./node/node-sources.js";
