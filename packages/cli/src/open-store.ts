import type { Adapter } from "@threadmill/core";
import { redactSecrets } from "@threadmill/core";
import { CliError } from "./cli-error.js";
import { describeStore, type StoreSpec } from "./parse-store.js";
import { cliPgliteOptions } from "./pglite-options.js";

/** An adapter opened by the CLI, with everything it opened to close afterwards. */
export interface OpenedStore {
  readonly adapter: Adapter;
  readonly spec: StoreSpec;
  /** Closes the adapter and the client the CLI made for it. Idempotent. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;

function unreachable(spec: StoreSpec, error: unknown): CliError {
  const detail = redactSecrets(
    (error as { code?: string; message?: string })?.code ?? String((error as Error)?.message ?? error),
  );
  return new CliError(`cannot connect to the store ${describeStore(spec)}: ${detail}`, 2, { cause: error });
}

async function openRedis(spec: Extract<StoreSpec, { kind: "redis" }>): Promise<OpenedStore> {
  const [{ Redis }, { createRedisAdapter }] = await Promise.all([
    import("ioredis"),
    import("@threadmill/adapter-redis"),
  ]);
  const client = new Redis(spec.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 5,
    // Give up connecting after a few tries instead of retrying forever on a wrong host.
    retryStrategy: (times: number) => (times > 3 ? null : Math.min(times * 200, 1_000)),
  });
  // ioredis logs unhandled "error" events with the URL; the CLI reports failures itself.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw unreachable(spec, error);
  }
  const adapter = createRedisAdapter({ client, keyPrefix: spec.keyPrefix });
  let closing: Promise<void> | null = null;
  return {
    adapter,
    spec,
    close: () => {
      closing ??= (async () => {
        await adapter.close().catch(() => {});
        await client.quit().catch(() => client.disconnect());
      })();
      return closing;
    },
  };
}

async function openPostgres(spec: Extract<StoreSpec, { kind: "postgres" }>): Promise<OpenedStore> {
  const [{ default: postgres }, { createPostgresAdapter, migrate }] = await Promise.all([
    import("postgres"),
    import("@threadmill/adapter-supabase"),
  ]);
  const sql = postgres(spec.url, {
    max: 4,
    prepare: false,
    // threadmill sends and reads no Postgres arrays; and postgres.js leaves an unhandled rejection
    // (a crashed process) when a connection is terminated while it fetches the array types.
    fetch_types: false,
    connect_timeout: CONNECT_TIMEOUT_MS / 1000,
    onnotice: () => {},
  });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw unreachable(spec, error);
  }
  // Idempotent, and safe when many processes start at once (pg_advisory_xact_lock).
  await migrate(sql, spec.schema === undefined ? {} : { schema: spec.schema });
  const adapter = createPostgresAdapter({
    sql,
    ...(spec.schema === undefined ? {} : { schema: spec.schema }),
  });
  let closing: Promise<void> | null = null;
  return {
    adapter,
    spec,
    close: () => {
      closing ??= (async () => {
        await adapter.close().catch(() => {});
        await sql.end({ timeout: 5 }).catch(() => {});
      })();
      return closing;
    },
  };
}

async function openMemory(spec: Extract<StoreSpec, { kind: "memory" }>): Promise<OpenedStore> {
  const { createMemoryAdapter } = await import("@threadmill/adapter-memory");
  const adapter = createMemoryAdapter();
  return { adapter, spec, close: () => adapter.close() };
}

async function openPglite(spec: Extract<StoreSpec, { kind: "pglite" }>): Promise<OpenedStore> {
  const { createPgliteAdapter, PGLITE_BULK_OPTIONS } = await import("@threadmill/adapter-supabase");
  // Holds the single-owner lock (StoreLockedError names a live owner; a dead one's lock and leases
  // are taken over at once), repairs a directory left half-created by a kill, and migrates.
  const adapter = await createPgliteAdapter({
    dataDir: spec.dataDir,
    lock: true,
    expireOrphanedLeases: true,
    pgliteOptions: cliPgliteOptions(PGLITE_BULK_OPTIONS),
  });
  return { adapter, spec, close: () => adapter.close() };
}

/**
 * Opens the store `--store` named, loading only that store's client: PGlite (single-owner lock),
 * Redis (ioredis), Postgres (postgres.js, migrated on first use) or memory.
 * @throws CliError (exit 2) when the store cannot be reached or is in use; never shows a password.
 */
export async function openStore(spec: StoreSpec): Promise<OpenedStore> {
  switch (spec.kind) {
    case "memory":
      return openMemory(spec);
    case "redis":
      return openRedis(spec);
    case "postgres":
      return openPostgres(spec);
    case "pglite":
      return openPglite(spec);
  }
}
