import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGES = fileURLToPath(new URL("../../", import.meta.url));
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const BIN = join(PACKAGES, "cli", "dist", "bin.js");
export const EXAMPLES = join(REPO, "examples", "data");
export const IN_CI = process.env.CI === "true";

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (!entry.name.includes(".test.")) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * These tests spawn the built binary (packages/cli/dist/bin.js), which loads the sibling packages'
 * builds: fail at once, saying what to run, when a build is missing or the CLI's is older than its
 * sources.
 */
export function assertBuilt(): void {
  const problems: string[] = [];
  for (const name of ["core", "adapter-memory", "adapter-redis", "adapter-supabase", "cli"]) {
    const entry = join(PACKAGES, name, "dist", name === "cli" ? "bin.js" : "index.js");
    if (!existsSync(entry)) problems.push(`${entry} is missing`);
    else if (name === "cli" && newest(join(PACKAGES, "cli", "src")) > statSync(entry).mtimeMs + 1_000) {
      problems.push("packages/cli/dist is older than packages/cli/src");
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `[cli tests] these tests run the built binary; run \`pnpm build\` first: ${problems.join("; ")}.`,
    );
  }
}

/** What a finished run of the binary printed and how it exited. */
export interface BinResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BinOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

/** Starts the binary; the caller owns the process. */
export function startBin(
  args: readonly string[],
  options: BinOptions = {},
): ChildProcess & { output: () => BinResult; done: Promise<BinResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { ...process.env, THREADMILL_STORE: undefined, FORCE_COLOR: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const output = () => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const done = new Promise<BinResult>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { output, done });
}

/** Runs the binary to its end. */
export function runBin(args: readonly string[], options: BinOptions = {}): Promise<BinResult> {
  return startBin(args, options).done;
}

/** Resolves once `predicate` holds for what the process printed so far (polling), or rejects after `timeoutMs`. */
export async function waitForOutput(
  child: { output: () => BinResult; exitCode: number | null },
  predicate: (r: BinResult) => boolean,
  timeoutMs = 60_000,
): Promise<BinResult> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = child.output();
    if (predicate(r)) return r;
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) first:\n${r.stderr}`);
    if (Date.now() > until)
      throw new Error(
        `timed out waiting; stdout:\n${r.stdout.slice(-2000)}\nstderr:\n${r.stderr.slice(-2000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "threadmill-cli-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The JSON lines of a stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Whether a Redis server answers at `url` (without retrying). */
export async function redisUp(url: string): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Deletes every Redis key holding `prefix` with SCAN (never KEYS: other tests share the server). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}
