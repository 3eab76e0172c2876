export { createPostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
export type { SqlAdapterOptions } from "./create-sql-adapter.js";
export { type MigrateOptions, type MigrateResult, migrate } from "./migrate.js";
export { type Migration, MIGRATIONS } from "./migrations.js";
export type { SqlExecutor } from "./sql-executor.js";
export {
  createPgliteAdapter,
  PGLITE_DEFAULT_OPTIONS,
  type PgliteAdapterOptions,
} from "./pglite-adapter.js";
