#!/usr/bin/env node
import { createRequire } from "node:module";
import { runCli } from "./run-cli.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Waits until a stream has handed everything written so far to the OS (pipes are asynchronous). */
const drain = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write("", () => resolve()));

const code = await runCli(process.argv.slice(2), { version });
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
