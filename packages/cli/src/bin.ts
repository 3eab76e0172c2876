#!/usr/bin/env node
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { runCli } from "./run-cli.js";

// V8 lets the heap grow to about 4x its live size between full collections. An import keeps little
// alive (a unit or two) while allocating fast, so that headroom was most of the binary's peak RSS:
// growing by 2x instead cut it from about 500 to 350 MB at the same CPU time (bench e2e, redis://).
// Read at every collection, so setting it here takes effect; a user's own setting wins.
if (!`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`.includes("heap-growing-percent")) {
  setFlagsFromString("--heap-growing-percent=100");
}

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Waits until a stream has handed everything written so far to the OS (pipes are asynchronous). */
const drain = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write("", () => resolve()));

const code = await runCli(process.argv.slice(2), { version });
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
