// A throwaway 3-master Redis Cluster for tests: redis-server processes with --cluster-enabled yes on free
// ports in a temporary directory, joined with `redis-cli --cluster create`, torn down by pid.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";

const run = promisify(execFile);

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  let candidate = 21000 + Math.floor(Math.random() * 20000);
  while (ports.length < count) {
    candidate += 1 + Math.floor(Math.random() * 7);
    if (candidate > 44000) candidate = 21000;
    // The cluster bus listens on port + 10000.
    if ((await portFree(candidate)) && (await portFree(candidate + 10000))) ports.push(candidate);
  }
  return ports;
}

/** A running local cluster. */
export interface LocalCluster {
  readonly ports: readonly number[];
  /** A new ioredis Cluster client. */
  client(): Cluster;
  /** Sum of CROSSSLOT errors every node has answered since it started. */
  crossSlotErrors(): Promise<number>;
  /** Deletes every key matching `pattern` on every node. */
  deleteMatching(pattern: string): Promise<void>;
  stop(): Promise<void>;
}

/** Whether the Debian redis binaries are there. */
export async function clusterToolsAvailable(): Promise<boolean> {
  try {
    await run("redis-server", ["--version"]);
    await run("redis-cli", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** Starts 3 masters and joins them (no replicas); resolves when `cluster_state:ok` everywhere. */
export async function startLocalCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "tm-redis-cluster-"));
  const ports = await freePorts(3);
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        "5000",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ],
      { stdio: "ignore" },
    ),
  );
  const direct = (port: number) => {
    const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 1 });
    r.on("error", () => {});
    return r;
  };
  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : undefined,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const r = direct(port);
        try {
          await r.connect();
          await r.ping();
          break;
        } catch (error) {
          if (i > 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        } finally {
          r.disconnect();
        }
      }
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const r = direct(port);
        const info = await r.cluster("INFO").finally(() => r.disconnect());
        if (String(info).includes("cluster_state:ok")) break;
        if (i > 200) throw new Error(`cluster node ${port} never reached cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    client: () =>
      new Cluster(
        ports.map((port) => ({ host: "127.0.0.1", port })),
        { redisOptions: { maxRetriesPerRequest: 3 } },
      ),
    async crossSlotErrors() {
      let total = 0;
      for (const port of ports) {
        const r = direct(port);
        const info = String(await r.info("errorstats").finally(() => r.disconnect()));
        const match = /errorstat_CROSSSLOT:count=(\d+)/.exec(info);
        if (match) total += Number(match[1]);
      }
      return total;
    },
    async deleteMatching(pattern: string) {
      for (const port of ports) {
        const r = direct(port);
        try {
          let cursor = "0";
          do {
            const [next, keys] = await r.scan(cursor, "MATCH", pattern, "COUNT", 1000);
            cursor = next;
            // Keys of one scan page may sit in several slots of this node: delete one by one.
            for (const key of keys) await r.unlink(key);
          } while (cursor !== "0");
        } finally {
          r.disconnect();
        }
      }
    },
    stop,
  };
}
