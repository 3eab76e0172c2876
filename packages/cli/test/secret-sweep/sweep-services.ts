// The services the secret sweep puts its secrets into: a private redis-server with a password, a
// Postgres role with a password and its own schema, and a local stand-in for a signed download URL
// that misbehaves on demand.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";

/** The shared Postgres test server (trust auth) as its superuser. */
export const POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Why the sweep cannot run here (`null`: it can): redis-server missing, Postgres unreachable. */
export async function missingServices(): Promise<string | null> {
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
    return "redis-server is not installed";
  }
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    return `Postgres unreachable at 127.0.0.1:5432 (${(error as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A private redis-server that requires a password; its own output is discarded (it is not ours). */
export interface PasswordRedis {
  readonly port: number;
  /** `redis://:<password>@127.0.0.1:<port>` */
  readonly url: string;
  /** Stops it with SIGTERM (the append-only file is flushed), so `start` brings the data back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** Starts `redis-server --requirepass <password>` on a free port, with an append-only file; resolves once it answers. */
export async function startPasswordRedis(password: string): Promise<PasswordRedis> {
  const dir = mkdtempSync(join(tmpdir(), "tm-sweep-redis-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"];
    child = spawn("redis-server", [...args, "--dir", dir, "--requirepass", password], { stdio: "ignore" });
    for (let i = 0; ; i++) {
      const probe = new Redis({
        port,
        host: "127.0.0.1",
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") return;
      } catch (error) {
        if (i > 100) throw error;
        await sleep(50);
      } finally {
        probe.disconnect();
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000).then(() => running.kill("SIGKILL"))]);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A login role with a password, owning a schema of the same name in the test database. */
export interface SweepRole {
  readonly role: string;
  /** `postgres://<role>:<password>@127.0.0.1:5432/test` (trust auth ignores the password; it is there all the same). */
  readonly url: string;
  /** Runs SQL as the superuser (to terminate the role's connections, say). */
  readonly admin: postgres.Sql;
  /** Terminates the role's connections, drops what it owns (its schemas) and the role. */
  drop(): Promise<void>;
}

/** Creates the role and its schema (it may create schemas, as the adapter's migration asks). */
export async function createSweepRole(role: string, password: string): Promise<SweepRole> {
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 2, prepare: false, onnotice: () => {} });
  await admin.unsafe(`create role "${role}" login password '${password}'`);
  await admin.unsafe(`create schema "${role}" authorization "${role}"`);
  await admin.unsafe(`grant create on database test to "${role}"`);
  return {
    role,
    url: `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:5432/test`,
    admin,
    drop: async () => {
      try {
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
        // Every schema the role made (its own and any a test migrated as it) and its grant go too.
        await admin.unsafe(`drop owned by "${role}" cascade`);
        await admin.unsafe(`drop role "${role}"`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/** What a route's next GET does instead of answering normally. */
export type RouteFault = "500" | "403" | "cut";

/** One export served at `/<route>/export.zip?token=<token>`. */
interface Route {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly faults: RouteFault[];
  /** Bytes per second of a body, `null`: at once. */
  bytesPerSecond: number | null;
}

/** A stand-in for signed download URLs: Range, ETag, a token check, faults and throttling per route. */
export interface ExportServer {
  /** `http://127.0.0.1:<port>/<route>/export.zip?token=<token>` */
  url(route: string, token?: string): string;
  /** Serves `bytes` at `route`, at `bytesPerSecond` (default: at once). */
  serve(route: string, bytes: Buffer, bytesPerSecond?: number | null): void;
  /** The route's next GETs fail this way, in order. */
  fault(route: string, ...faults: RouteFault[]): void;
  throttle(route: string, bytesPerSecond: number | null): void;
  /** Faults still queued for the route. */
  pending(route: string): number;
  close(): Promise<void>;
}

const SLICE = 16 * 1024;
/** Where a cut connection stops: early, so the cut happens before a throttled body is half read. */
const CUT_AT = 2 * SLICE;

async function writeBody(res: ServerResponse, body: Buffer, route: Route, cut: boolean): Promise<void> {
  const end = cut ? Math.min(CUT_AT, body.length - 1) : body.length;
  for (let at = 0; at < end && !res.destroyed; at += SLICE) {
    res.write(body.subarray(at, Math.min(end, at + SLICE)));
    if (route.bytesPerSecond !== null) await sleep((SLICE / route.bytesPerSecond) * 1000);
  }
  // A connection cut mid-body: the client sees a body shorter than its Content-Length.
  if (cut) res.socket?.destroy();
  else res.end();
}

/** Starts the export server; only `token` opens a route (403 otherwise, on HEAD too). */
export async function startExportServer(token: string): Promise<ExportServer> {
  const routes = new Map<string, Route>();
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const [, name, file] = url.pathname.split("/");
    const route = routes.get(name ?? "");
    if (!route || file !== "export.zip") return void res.writeHead(404).end();
    if (url.searchParams.get("token") !== token) return void res.writeHead(403).end("forbidden");
    const headers = { etag: route.etag, "accept-ranges": "bytes" };
    if (req.method === "HEAD") {
      return void res.writeHead(200, { ...headers, "content-length": String(route.bytes.length) }).end();
    }
    const fault = route.faults.shift();
    if (fault === "500") return void res.writeHead(500).end("internal error");
    if (fault === "403") return void res.writeHead(403).end("expired");
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const body = route.bytes.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      ...headers,
      "content-length": String(body.length),
      ...(start > 0
        ? { "content-range": `bytes ${start}-${route.bytes.length - 1}/${route.bytes.length}` }
        : {}),
    });
    writeBody(res, body, route, fault === "cut").catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const routeOf = (name: string) => {
    const route = routes.get(name);
    if (!route) throw new Error(`no route ${name}`);
    return route;
  };
  return {
    url: (name, t = token) => `${base}/${name}/export.zip?token=${encodeURIComponent(t)}`,
    serve: (name, bytes, bytesPerSecond = null) => {
      const etag = `"${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}"`;
      routes.set(name, { bytes, etag, faults: [], bytesPerSecond });
    },
    fault: (name, ...faults) => {
      routeOf(name).faults.push(...faults);
    },
    throttle: (name, bytesPerSecond) => {
      routeOf(name).bytesPerSecond = bytesPerSecond;
    },
    pending: (name) => routeOf(name).faults.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
