// Node-only parts of @threadmill/core (file and directory sources, the worker-thread chunker pool).
// They arrive with the export-reading and chunker work; this entry re-exports the portable API so
// `@threadmill/core/node` is a superset of `@threadmill/core`.
export * from "./index.js";
