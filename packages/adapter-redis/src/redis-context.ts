import { LeaseLostError, StorageError, ThreadmillError } from "@threadmill/core";
import type { Cluster, Redis } from "ioredis";
import { LIMITS_SCRIPTS, type LimitsScriptName } from "./lua/limits-scripts.js";
import { REDIS_SCRIPTS, type RedisScriptName } from "./lua/redis-scripts.js";
import type { RedisKeys } from "./redis-keys.js";

/** An ioredis client: a single `Redis` connection or a `Cluster`. */
export type RedisClient = Redis | Cluster;

type Argument = string | number | Buffer;
type ScriptCaller = (...args: (Argument | Argument[])[]) => Promise<unknown>;

const defined = new WeakMap<object, Set<string>>();

/** What every store of the adapter shares: the client, the key layout, settings and helpers. */
export interface RedisContext {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly isCluster: boolean;
  readonly eventRetention: number;
  readonly finishedJobRetentionMs: number;
  /** Runs a coordination script: KEYS[1] = ready set, ARGV = [base, retention, finished retention, ...args]. */
  coordination(
    name: RedisScriptName,
    operation: string,
    args: readonly (string | number)[],
  ): Promise<unknown>;
  /** Runs a script with explicit keys. */
  script(
    name: RedisScriptName,
    operation: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>;
  /** Runs one of core's rate limit or spend scripts with `keys` (their count is passed along). */
  limits(
    name: LimitsScriptName,
    operation: string,
    keys: readonly string[],
    args: readonly Argument[],
  ): Promise<unknown>;
  /** Runs a driver call, wrapping its failure in `StorageError`. */
  call<T>(operation: string, run: () => Promise<T>): Promise<T>;
  /** A connection for blocking reads (`XREAD BLOCK`), made lazily with `client.duplicate()`. */
  acquireBlocking(): RedisClient;
  releaseBlocking(connection: RedisClient, healthy: boolean): void;
  close(): Promise<void>;
}

/**
 * ioredis hangs the failed command's arguments on its reply errors (`error.command.args`): AUTH's
 * password, a script's job spec with its signed URL. They are dropped (the command's name stays), so
 * no log of the error or of its cause can print them.
 */
function dropCommandArgs(error: unknown): unknown {
  const command = (error as { command?: { name?: unknown; args?: unknown } } | null)?.command;
  if (command && Array.isArray(command.args)) {
    (error as { command: unknown }).command = {
      name: command.name,
      args: [`<${command.args.length} arguments redacted>`],
    };
  }
  return error;
}

/** Wraps a driver failure (its command's arguments dropped); lets threadmill's own errors through. */
export function wrapRedisError(operation: string, error: unknown): ThreadmillError {
  if (ThreadmillError.isInstance(error)) return error;
  return new StorageError({ adapter: "redis", operation, cause: dropCommandArgs(error) });
}

/**
 * Runs a registered script by EVALSHA (`withNumkeys`: its key count varies, so it goes first). ioredis
 * resends once after NOSCRIPT; a second SCRIPT FLUSH before that resend runs fails it too, and as the
 * script did not run, sending its text (EVAL, which never answers NOSCRIPT) is safe.
 */
async function runScript(
  client: RedisClient,
  callers: Record<string, ScriptCaller>,
  command: string,
  lua: string,
  withNumkeys: boolean,
  keys: readonly string[],
  args: readonly Argument[],
): Promise<unknown> {
  // ARGV goes as one array (ioredis flattens a command's arguments one level): spread into the call,
  // the many ids of one membership change would overflow the stack.
  const argv = args as Argument[];
  try {
    // Called as a method: ioredis's defined commands read `this`.
    return await (withNumkeys
      ? callers[command]!(keys.length, ...keys, argv)
      : callers[command]!(...keys, argv));
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    // A Buffer stays bytes (the rate limiter's doubles); String() would mangle it.
    const asText = argv.map((a) => (Buffer.isBuffer(a) ? a : String(a)));
    return await client.eval(lua, keys.length, [...keys, ...asText]);
  }
}

/** Builds the shared context; registers the Lua scripts on the client once (no I/O until first use). */
export function createRedisContext(options: {
  client: RedisClient;
  keys: RedisKeys;
  eventRetention: number;
  finishedJobRetentionMs: number;
  maxIdleBlockingConnections: number;
}): RedisContext {
  const { client, keys } = options;
  const isCluster = (client as { isCluster?: boolean }).isCluster === true;
  let names = defined.get(client);
  if (!names) {
    names = new Set();
    defined.set(client, names);
  }
  for (const script of Object.values(REDIS_SCRIPTS)) {
    if (names.has(script.name)) continue;
    client.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    names.add(script.name);
  }
  for (const script of Object.values(LIMITS_SCRIPTS)) {
    if (names.has(script.name)) continue;
    client.defineCommand(script.name, { lua: script.lua });
    names.add(script.name);
  }
  const callers = client as unknown as Record<string, ScriptCaller>;

  // A promise callback rather than an async function: a rate limit check at 1 in flight waits for
  // every frame between it and the wire.
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    const fail = (error: unknown): never => {
      throw wrapRedisError(operation, error);
    };
    try {
      return run().catch(fail);
    } catch (error) {
      return Promise.reject(wrapRedisError(operation, error));
    }
  };
  const script = (
    name: RedisScriptName,
    operation: string,
    scriptKeys: readonly string[],
    args: readonly (string | number)[],
  ) => {
    const { name: command, lua } = REDIS_SCRIPTS[name];
    return call(operation, () => runScript(client, callers, command, lua, false, scriptKeys, args));
  };

  // A single Redis's blocking connections reject a read cut by a dropped connection (a StorageError)
  // instead of resending it, which would wait the whole `waitMs` again and hide the failure.
  const duplicateForBlocking = (): RedisClient =>
    isCluster ? client.duplicate() : (client as Redis).duplicate({ maxRetriesPerRequest: 0 });

  const idle: RedisClient[] = [];
  const open = new Set<RedisClient>();
  let closed = false;

  return {
    client,
    keys,
    isCluster,
    eventRetention: options.eventRetention,
    finishedJobRetentionMs: options.finishedJobRetentionMs,
    call,
    script,
    limits: (name, operation, scriptKeys, args) => {
      const { name: command, lua } = LIMITS_SCRIPTS[name];
      return call(operation, () => runScript(client, callers, command, lua, true, scriptKeys, args));
    },
    coordination: (name, operation, args) =>
      script(
        name,
        operation,
        [keys.ready],
        [keys.base, options.eventRetention, options.finishedJobRetentionMs, ...args],
      ),
    acquireBlocking() {
      if (closed)
        throw new StorageError({
          adapter: "redis",
          operation: "read events",
          message: "the adapter is closed",
          retriable: false,
        });
      const connection = idle.pop() ?? duplicateForBlocking();
      open.add(connection);
      return connection;
    },
    releaseBlocking(connection, healthy) {
      if (!closed && healthy && idle.length < options.maxIdleBlockingConnections) {
        idle.push(connection);
        return;
      }
      open.delete(connection);
      connection.disconnect();
    },
    async close() {
      closed = true;
      idle.length = 0;
      const all = [...open];
      open.clear();
      await Promise.all(
        all.map(async (connection) => {
          try {
            await connection.quit();
          } catch {
            connection.disconnect();
          }
        }),
      );
    },
  };
}

/** Turns a script's `{1, currentEpoch}` answer into `LeaseLostError`, passing other answers through. */
export function checkFence(reply: unknown, jobId: string, epoch: number): unknown[] {
  const arr = reply as unknown[];
  if (arr[0] === 1) {
    const current = Number(arr[1]);
    throw new LeaseLostError(jobId, epoch, current < 0 ? null : current);
  }
  return arr;
}
