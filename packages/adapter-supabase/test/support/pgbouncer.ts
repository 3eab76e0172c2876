import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running PgBouncer in transaction mode in front of the test server. */
export interface Pgbouncer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const CANDIDATES = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];

/** The pgbouncer binary, or null when it is not installed (Debian package `pgbouncer`). */
export function findPgbouncer(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `pgbouncer exited with ${child.exitCode}: ${existsSync(log) ? readFileSync(log, "utf8") : ""}`,
      );
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("pgbouncer did not start listening within 10 s");
}

/**
 * Starts PgBouncer (transaction pooling, trust auth, `query_timeout` and a server-side
 * `statement_timeout` so nothing hangs) on a free port, as user `postgres` when running as root
 * (it refuses root), from a temporary folder owned by that user.
 */
export async function startPgbouncer(
  options: { upstreamPort?: number; database?: string } = {},
): Promise<Pgbouncer> {
  const binary = findPgbouncer();
  if (!binary) throw new Error("pgbouncer is not installed (apt-get install -y pgbouncer)");
  const database = options.database ?? "test";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tm-pgbouncer-"));
  const ini = join(dir, "pgbouncer.ini");
  const log = join(dir, "pgbouncer.log");
  writeFileSync(join(dir, "userlist.txt"), '"postgres" ""\n');
  writeFileSync(
    ini,
    `[databases]
${database} = host=127.0.0.1 port=${options.upstreamPort ?? 5432} dbname=${database} connect_query='SET statement_timeout = 20000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, "userlist.txt")}
pool_mode = transaction
ignore_startup_parameters = extra_float_digits
max_client_conn = 500
default_pool_size = 20
query_timeout = 30
pidfile = ${join(dir, "pgbouncer.pid")}
logfile = ${log}
`,
  );
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
    for (const f of ["pgbouncer.ini", "userlist.txt"]) chownSync(join(dir, f), uid, gid);
  }
  const child = spawn(binary, root ? ["-u", "postgres", ini] : [ini], { cwd: dir, stdio: "ignore" });
  await waitForPort(port, child, log);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
