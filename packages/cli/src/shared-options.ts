import { type Command, Option } from "commander";
import type { CommandContext } from "./command-context.js";
import { DEFAULT_STORE } from "./parse-store.js";

/** The flags every command that opens a store may have. */
export interface SharedFlags {
  readonly store?: string;
  readonly tenant?: string;
}

/** Runs a command's handler with the context its flags give, and keeps the exit code it returns. */
export type Dispatch = (
  flags: SharedFlags,
  command: Command,
  handler: (ctx: CommandContext) => Promise<number>,
) => Promise<void>;

/** `--store`, from `THREADMILL_STORE` too. */
export const storeOption = () =>
  new Option("--store <store>", "a directory (embedded PGlite), redis://..., postgres://... or memory")
    .env("THREADMILL_STORE")
    .default(DEFAULT_STORE);

/** `--tenant`, `local` by default. */
export const tenantOption = () =>
  new Option("--tenant <id>", "the end user the jobs belong to").default("local");
