import type { Adapter } from "@threadmill/core";

/** The store both services share, and how to close it on shutdown. */
export interface OpenedStore {
  readonly adapter: Adapter;
  readonly kind: "redis" | "postgres";
  close(): Promise<void>;
}

/**
 * Opens the store named by the environment: `REDIS_URL` (Render Key Value) or `DATABASE_URL`
 * (Render Postgres, or Supabase through its pooler), with `DATABASE_SCHEMA`. A worker on Render has
 * no persistent disk by default, so there is no embedded store here. The URL is never logged.
 */
export async function openStore(env: NodeJS.ProcessEnv = process.env): Promise<OpenedStore> {
  if (env.REDIS_URL) {
    const [{ Redis }, { createRedisAdapter }] = await Promise.all([
      import("ioredis"),
      import("@threadmill/adapter-redis"),
    ]);
    const client = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 5 });
    client.on("error", () => {}); // ioredis prints the URL; failures reach callers as StorageError
    const adapter = createRedisAdapter({ client });
    return {
      adapter,
      kind: "redis",
      close: async () => {
        await adapter.close();
        await client.quit().catch(() => client.disconnect());
      },
    };
  }
  if (env.DATABASE_URL) {
    const [{ default: postgres }, { createPostgresAdapter, migrate }] = await Promise.all([
      import("postgres"),
      import("@threadmill/adapter-supabase"),
    ]);
    const sql = postgres(env.DATABASE_URL, {
      max: 6,
      prepare: false,
      // See adapter-supabase's README: no array types to fetch, and no unhandled rejection when
      // Postgres terminates a connection as it opens (a failover, a restart).
      fetch_types: false,
      onnotice: () => {},
    });
    const schema = env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {};
    // Idempotent, under an advisory lock: every instance of both services may run it at start.
    await migrate(sql, schema);
    // LISTEN/NOTIFY wakes an idle worker within milliseconds of a submit or a hand-back instead of
    // on its next poll; a transaction pooler (Supabase's port 6543) cannot LISTEN: THREADMILL_LISTEN=0.
    const listen = env.THREADMILL_LISTEN !== "0";
    const adapter = createPostgresAdapter({
      sql,
      ...schema,
      notify: true,
      ...(listen ? { listen: sql } : {}),
    });
    return {
      adapter,
      kind: "postgres",
      close: async () => {
        await adapter.close();
        await sql.end({ timeout: 5 });
      },
    };
  }
  throw new Error("Set REDIS_URL or DATABASE_URL: the worker and the web service share that store.");
}
