export { createPostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
export type { SqlAdapter, SqlAdapterOptions } from "./create-sql-adapter.js";
export type { SqlQueue } from "./sql-queue.js";
export { type MigrateOptions, type MigrateResult, migrate } from "./migrate.js";
export { type Migration, MIGRATIONS } from "./migrations.js";
export type { SqlExecutor } from "./sql-executor.js";
export {
  createPgliteAdapter,
  PGLITE_BULK_OPTIONS,
  type PgliteAdapterOptions,
} from "./pglite-adapter.js";
export {
  createSupabaseStorageSource,
  type StorageBucketLike,
  type SupabaseStorageClientLike,
  type SupabaseStorageSourceOptions,
} from "./supabase-storage-source.js";
export { supabaseStorageResolver } from "./supabase-storage-resolver.js";
export { type ListenForJobsOptions, listenForJobs } from "./listen-for-jobs.js";
