// The stores the ratelimit benchmark runs on, each with what it needs for one case run: threadmill's
// `adapter.rateLimits` (made on first use, so a case of the other library opens nothing of ours),
// rate-limiter-flexible's limiter on the same server, and a count of what the clients sent.
// Redis: a private redis-server per case run. Postgres: the shared server, a schema per case run,
// dropped afterwards; postgres.js and node-postgres both with their default pool of 10 connections.
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createRedisAdapter } from "@threadmill/adapter-redis";
import { createPostgresAdapter, migrate } from "@threadmill/adapter-supabase";
import type { Adapter, RateLimitStore } from "@threadmill/core";
import { Redis } from "ioredis";
import pg from "pg";
import postgres from "postgres";
import { type RateLimiterAbstract, RateLimiterPostgres, RateLimiterRedis } from "rate-limiter-flexible";
import { withRedis } from "./private-redis.js";
import { redisRoundTrips } from "./redis-round-trips.js";

export type StoreKind = "redis" | "postgres" | "memory";

export interface BenchStore {
  /** threadmill's store of this kind; throws when the adapter has none. */
  rateLimits(): Promise<RateLimitStore>;
  /** rate-limiter-flexible on the same server (`duration` 1 hour), or null where it has no such store. */
  flexible: ((points: number, keyPrefix: string) => Promise<RateLimiterAbstract>) | null;
  /** What both clients sent so far: Redis round trips, or Postgres statements. */
  sent(): number;
  /** The name of `sent` per check. */
  readonly sentPerCheck: string;
  /** Redis: microseconds the server spent running commands so far (INFO commandstats), else null. */
  serverMicros(): Promise<number | null>;
  /** Redis: a check that runs only the commands a full check needs, with no decision; else null. */
  floor: (() => Promise<() => Promise<unknown>>) | null;
}

/**
 * The least a full check (3 rate dimensions and a hold, on the server's clock) sends Redis in one
 * script: the clock, one read and one write of the TATs' hash, the hold set pruned, counted and added
 * to. No arithmetic, no decision, no TTL upkeep: what any script of this check costs at the least.
 */
const FLOOR_LUA = `local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
redis.call('HMGET', KEYS[1], 'requests', 'inputTokens', 'outputTokens')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZCARD', KEYS[2])
redis.call('HSET', KEYS[1], 'requests', now + 100, 'inputTokens', now + 120, 'outputTokens', now + 30)
redis.call('ZADD', KEYS[2], now + 250, ARGV[1])
return 1`;

const POSTGRES_URL = process.env.TM_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const DURATION_S = 3600;

function storeOf(adapter: Pick<Adapter, "rateLimits">, what: string): RateLimitStore {
  if (!adapter.rateLimits) throw new Error(`this adapter has no rateLimits store (${what})`);
  return adapter.rateLimits;
}

/** Microseconds Redis spent in every command but INFO itself, summed from INFO commandstats. */
async function commandMicros(client: Redis): Promise<number> {
  const stats = await client.info("commandstats");
  let micros = 0;
  for (const [, command, usec] of stats.matchAll(/^cmdstat_([^:]+):.*?\busec=(\d+)/gm)) {
    if (command !== "info") micros += Number(usec);
  }
  return micros;
}

async function withRedisStore<T>(fn: (store: BenchStore) => Promise<T>): Promise<T> {
  return withRedis(async (port) => {
    const client = new Redis({ port });
    const adapter = createRedisAdapter({ client, keyPrefix: "bench" });
    try {
      return await fn({
        rateLimits: async () => storeOf(adapter, "createRedisAdapter"),
        flexible: async (points, keyPrefix) =>
          new RateLimiterRedis({ storeClient: client, points, duration: DURATION_S, keyPrefix }),
        sent: redisRoundTrips,
        sentPerCheck: "round trips/check",
        serverMicros: () => commandMicros(client),
        async floor() {
          const sha = (await client.script("LOAD", FLOOR_LUA)) as string;
          let holds = 0;
          return () => client.evalsha(sha, 2, "{floor}:t", "{floor}:h", String(++holds));
        },
      });
    } finally {
      await adapter.close();
      client.disconnect();
    }
  });
}

async function withPostgresStore<T>(fn: (store: BenchStore) => Promise<T>): Promise<T> {
  let statements = 0;
  const schema = `tm_bench_rl_${process.pid}`;
  const sql = postgres(POSTGRES_URL, {
    prepare: false,
    onnotice: () => {},
    debug: () => {
      statements++;
    },
  });
  let pool: pg.Pool | null = null;
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.unsafe(`create schema "${schema}"`);
  try {
    return await fn({
      async rateLimits() {
        await migrate(sql, { schema });
        return storeOf(createPostgresAdapter({ sql, schema }), "createPostgresAdapter");
      },
      async flexible(points, keyPrefix) {
        if (pool === null) {
          const created = new pg.Pool({ connectionString: POSTGRES_URL });
          const query = created.query.bind(created) as (...args: unknown[]) => unknown;
          created.query = ((...args: unknown[]) => {
            statements++;
            return query(...args);
          }) as typeof created.query;
          pool = created;
        }
        const storeClient = pool;
        // The constructor creates its table in the background and calls back when it exists.
        return new Promise((resolve, reject) => {
          const limiter: RateLimiterAbstract = new RateLimiterPostgres(
            {
              storeClient,
              storeType: "pool",
              schemaName: schema,
              tableName: `rlflx_${keyPrefix}`,
              points,
              duration: DURATION_S,
              keyPrefix,
            },
            (error?: Error) => (error ? reject(error) : resolve(limiter)),
          );
        });
      },
      sent: () => statements,
      sentPerCheck: "statements/check",
      serverMicros: async () => null,
      floor: null,
    });
  } finally {
    await (pool as pg.Pool | null)?.end();
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await sql.end({ timeout: 5 });
  }
}

/** Runs `fn` with a store of `kind`, and tears the store down afterwards. */
export async function withStore<T>(kind: StoreKind, fn: (store: BenchStore) => Promise<T>): Promise<T> {
  if (kind === "redis") return withRedisStore(fn);
  if (kind === "postgres") return withPostgresStore(fn);
  const adapter = createMemoryAdapter();
  return fn({
    rateLimits: async () => storeOf(adapter, "createMemoryAdapter"),
    flexible: null,
    sent: () => 0,
    sentPerCheck: "",
    serverMicros: async () => null,
    floor: null,
  });
}
