import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const NEXT_BIN = join(dirname(createRequire(import.meta.url).resolve("next/package.json")), "dist/bin/next");

export interface NextServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it printed, for a failing test's message and the secret sweep. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `next start` of the built app on `port`, resolved once it answers. */
export async function startNext(port: number, env: Record<string, string>): Promise<NextServer> {
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port)], {
    cwd: APP_DIR,
    env: { ...process.env, ...env, NODE_ENV: "production", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/api/cron`, { method: "HEAD" });
      if (response.status > 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`next start did not answer within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    output: () => output,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
