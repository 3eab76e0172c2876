import type { Adapter } from "@threadmill/core";

/** The store this app runs on, chosen by the environment, opened once per server process. */
export interface AppStore {
  readonly adapter: Adapter;
  /** What it is, for the health route and logs: never its URL (it may hold a password). */
  readonly kind: "redis" | "postgres" | "pglite";
}

async function openRedis(url: string): Promise<AppStore> {
  const [{ Redis }, { createRedisAdapter }] = await Promise.all([
    import("ioredis"),
    import("@threadmill/adapter-redis"),
  ]);
  const client = new Redis(url, { maxRetriesPerRequest: 5 });
  // ioredis prints unhandled "error" events with the URL; failures reach callers as StorageError.
  client.on("error", () => {});
  return { adapter: createRedisAdapter({ client }), kind: "redis" };
}

async function openPostgres(url: string, schema: string | undefined): Promise<AppStore> {
  const [{ default: postgres }, { createPostgresAdapter, migrate }] = await Promise.all([
    import("postgres"),
    import("@threadmill/adapter-supabase"),
  ]);
  // `prepare: false`: Supabase's pooler (Supavisor, transaction mode) cannot keep prepared statements.
  const sql = postgres(url, {
    max: 4,
    prepare: false,
    // See adapter-supabase's README: no array types to fetch (one round trip less per new
    // connection), and no unhandled rejection when Postgres terminates a connection as it opens.
    fetch_types: false,
    onnotice: () => {},
  });
  // Idempotent and safe when many instances start at once (it takes an advisory lock).
  const inSchema = schema ? { schema } : {};
  await migrate(sql, inSchema);
  return { adapter: createPostgresAdapter({ sql, ...inSchema }), kind: "postgres" };
}

async function openPglite(dataDir: string): Promise<AppStore> {
  const { createPgliteAdapter } = await import("@threadmill/adapter-supabase");
  // One process owns the directory: `next dev` and `next start` are one process each.
  const adapter = await createPgliteAdapter({ dataDir, lock: true, expireOrphanedLeases: true });
  return { adapter, kind: "pglite" };
}

function open(env: NodeJS.ProcessEnv): Promise<AppStore> {
  if (env.REDIS_URL) return openRedis(env.REDIS_URL);
  if (env.DATABASE_URL) return openPostgres(env.DATABASE_URL, env.DATABASE_SCHEMA);
  return openPglite(env.THREADMILL_PGLITE_DIR ?? ".threadmill/pglite");
}

// On globalThis: `next dev` reloads modules, and a second PGlite on one directory would be refused.
const shared = globalThis as { __threadmillStore?: Promise<AppStore> };

/** The app's store: `REDIS_URL`, else `DATABASE_URL` (Postgres or Supabase), else an embedded PGlite. */
export function appStore(): Promise<AppStore> {
  shared.__threadmillStore ??= open(process.env).catch((error: unknown) => {
    shared.__threadmillStore = undefined;
    throw error;
  });
  return shared.__threadmillStore;
}
