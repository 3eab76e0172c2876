import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import { StorageError } from "@threadmill/core";
import { createSqlAdapter, type SqlAdapter, type SqlAdapterOptions } from "./create-sql-adapter.js";
import { migrate } from "./migrate.js";
import { createPgliteExecutor } from "./pglite-executor.js";
import { acquirePgliteLock, type PgliteLock } from "./pglite-lock.js";
import { quoteSchema } from "./quote-schema.js";

/** Options of `createPgliteAdapter`. */
export interface PgliteAdapterOptions extends SqlAdapterOptions {
  /**
   * The store's directory (created when missing). It holds the PGlite data directory (`pgdata/`)
   * and the owner lock (`owner.lock`). Omit it, with `pglite` also omitted, for an in-memory store.
   */
  readonly dataDir?: string;
  /** An open PGlite instance to use instead of `dataDir` (never closed by the adapter, no lock). */
  readonly pglite?: PGlite;
  /** Schema of threadmill's tables. @default "threadmill" */
  readonly schema?: string;
  /**
   * Hold a lock file with this process's pid so a second process gets `StoreLockedError`; a lock
   * whose pid is gone is taken over at once. Only with `dataDir`. @default true
   */
  readonly lock?: boolean;
  /**
   * When the lock was taken, expire the leases of jobs left `running` (their worker was a process
   * that no longer holds the store), so they are claimable at once. @default true
   */
  readonly expireOrphanedLeases?: boolean;
  /**
   * Create a new data directory in a short-lived child process, so initdb's memory peak (about
   * 800 MB of RSS) never counts against this process; falls back to in-process when the child
   * cannot be started. @default true
   */
  readonly initInChildProcess?: boolean;
  /** Extra PGlite options (memory and WAL settings, extensions). */
  readonly pgliteOptions?: PGliteOptions;
}

/**
 * PGlite settings for bulk imports, measured with the `postgres` benchmark: small shared buffers and
 * WAL buffers, a WAL capped at 64 MB that checkpoints every 30 s, minimal WAL, and commits that do
 * not wait for the WAL flush (a crash loses at most the last unit, which the checkpoint repeats).
 */
export const PGLITE_BULK_OPTIONS: PGliteOptions = {
  postgresqlconf: [
    "shared_buffers = 16MB",
    "wal_buffers = 1MB",
    "max_wal_size = 64MB",
    "min_wal_size = 32MB",
    "checkpoint_timeout = 30s",
    "work_mem = 4MB",
    "maintenance_work_mem = 16MB",
    "temp_buffers = 4MB",
    "wal_level = minimal",
    "max_wal_senders = 0",
    "synchronous_commit = off",
  ],
};

/**
 * The embedded store: every port on PGlite with the same SQL as Postgres.
 * Opens the directory (repairing a half-created one, clearing a stale `postmaster.pid`), takes the
 * single-owner lock, and migrates. Calls are serialized: PGlite is one connection.
 * @throws StoreLockedError when another live process holds the directory.
 * @example
 * const adapter = await createPgliteAdapter({ dataDir: "./.threadmill" });
 */
export async function createPgliteAdapter(options: PgliteAdapterOptions = {}): Promise<SqlAdapter> {
  const schemaName = options.schema ?? "threadmill";
  const schema = quoteSchema(schemaName);
  let lock: PgliteLock | null = null;
  let db: PGlite;
  let owned = false;
  if (options.pglite) {
    db = options.pglite;
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const pgliteOptions = { ...options.pgliteOptions };
    if (options.dataDir === undefined) {
      db = new PGlite(pgliteOptions);
    } else {
      const path = await import("node:path");
      const root = path.resolve(options.dataDir);
      const fs = await import("node:fs/promises");
      await fs.mkdir(root, { recursive: true });
      if (options.lock !== false) lock = await acquirePgliteLock(path.join(root, "owner.lock"), root);
      try {
        const dataDir = await prepareDataDir(root, async (dir) => {
          // initdb peaks near 800 MB of RSS; in a child process that peak never reaches this one.
          if (options.initInChildProcess !== false && (await initialiseInChild(dir))) return;
          const fresh = new PGlite(dir, pgliteOptions);
          await fresh.waitReady;
          await fresh.close();
        });
        db = new PGlite(dataDir, pgliteOptions);
      } catch (error) {
        await lock?.release();
        throw new StorageError({ adapter: "pglite", operation: "open", cause: error });
      }
    }
    owned = true;
  }
  try {
    await db.waitReady;
    const executor = createPgliteExecutor(db);
    await migrate(executor, { schema: schemaName });
    if (lock && options.expireOrphanedLeases !== false) {
      await executor.query(
        `update ${schema}.jobs set lease_expires_at = now() where status = 'running' and lease_expires_at > now()`,
      );
    }
    return createSqlAdapter("pglite", executor, schema, options, async () => {
      if (owned) await db.close();
      await lock?.release();
    }).adapter;
  } catch (error) {
    if (owned) await db.close().catch(() => undefined);
    await lock?.release();
    if (StorageError.isInstance(error)) throw error;
    throw new StorageError({ adapter: "pglite", operation: "open", cause: error });
  }
}

/**
 * Returns the PGlite data directory under `root`, creating it when missing. A new directory is
 * initialised under a temporary name and renamed into place only once complete, so a kill during
 * the first initialisation leaves nothing half-made at `pgdata/`; leftovers from such a kill, a
 * `pgdata/` without `PG_VERSION`, and a stale `postmaster.pid` (we hold the lock) are cleared.
 */
export async function prepareDataDir(
  root: string,
  initialise: (dir: string) => Promise<void>,
): Promise<string> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const dataDir = path.join(root, "pgdata");
  for (const entry of await fs.readdir(root)) {
    if (entry.startsWith("pgdata.init-") || entry.startsWith("pgdata.broken-")) {
      await removeLeftover(path.join(root, entry));
    }
  }
  const complete = await fs
    .stat(path.join(dataDir, "PG_VERSION"))
    .then(() => true)
    .catch(() => false);
  if (!complete) {
    const exists = await fs
      .stat(dataDir)
      .then(() => true)
      .catch(() => false);
    if (exists) await removeLeftover(dataDir);
    const temp = path.join(root, `pgdata.init-${process.pid}`);
    await fs.rm(temp, { recursive: true, force: true });
    await initialise(temp);
    await fs.rm(path.join(temp, "postmaster.pid"), { force: true });
    await fs.rename(temp, dataDir);
  } else {
    await fs.rm(path.join(dataDir, "postmaster.pid"), { force: true });
  }
  return dataDir;
}

/**
 * Removes a half-made data directory. A killed owner's initialisation child may still be writing
 * into it for a moment (it exits once it sees its parent gone), so the directory is first renamed
 * aside (the child's new files then fail, not ours) and its removal is best effort: a leftover that
 * cannot be removed yet is harmless and cleared on a later open.
 */
async function removeLeftover(dir: string): Promise<void> {
  const fs = await import("node:fs/promises");
  let target = dir;
  if (!/pgdata\.broken-[^/\\]*$/.test(dir)) {
    target = `${dir.replace(/pgdata(\.init-[^/\\]*)?$/, "pgdata.broken-")}${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      await fs.rename(dir, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
  }
  await fs
    .rm(target, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    .catch(() => undefined);
}

declare const require: { resolve(id: string): string } | undefined;

/** The file URL of PGlite's entry as this module resolves it, or null when it cannot tell. */
function resolvePglite(): string | null {
  try {
    const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
    if (typeof resolve === "function") return resolve("@electric-sql/pglite");
  } catch {
    // Not available here (a bundler's or test runner's module system): try require.
  }
  try {
    if (typeof require !== "undefined") return `file://${require.resolve("@electric-sql/pglite")}`;
  } catch {
    // Not resolvable.
  }
  return null;
}

/** Initialises a PGlite data directory in a child Node process; `false` when that is not possible. */
async function initialiseInChild(dir: string): Promise<boolean> {
  const entry = resolvePglite();
  if (entry === null || typeof process === "undefined" || !process.execPath) return false;
  const { spawn } = await import("node:child_process");
  // The child exits as soon as its parent is gone (reparented), so a killed owner leaves no
  // initialisation running into the directory the next owner clears.
  const script = `const parent = ${process.pid};
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 100).unref();
const { PGlite } = await import(${JSON.stringify(entry)});
const db = new PGlite(${JSON.stringify(dir)}); await db.waitReady; await db.close();`;
  return new Promise<boolean>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.once("error", () => resolve(false));
    child.once("exit", (code, signal) => {
      if (code === 0) resolve(true);
      else
        reject(
          new Error(`initialising the PGlite directory failed (${code ?? signal}): ${stderr.slice(-500)}`),
        );
    });
  });
}
