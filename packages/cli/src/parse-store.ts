import { resolve } from "node:path";
import { redactSecrets } from "@threadmill/core";
import { CliError } from "./cli-error.js";

/** Where a command keeps its jobs, checkpoints, events, conversations and chunks. */
export type StoreSpec =
  | { readonly kind: "pglite"; readonly dataDir: string }
  | { readonly kind: "memory" }
  | { readonly kind: "redis"; readonly url: string; readonly keyPrefix: string }
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string | undefined };

/** The default store: an embedded PGlite directory in the working directory. */
export const DEFAULT_STORE = "./.threadmill";

/**
 * Parses `--store`: `memory`, `redis://` or `rediss://` (optional `?prefix=` for the key prefix,
 * default `threadmill`), `postgres://` or `postgresql://` (optional `?schema=`), else a directory
 * path for the embedded PGlite store, resolved against `cwd`.
 * @throws CliError (exit 2) for an unknown scheme or a malformed URL; the message never shows a password.
 */
export function parseStore(value: string, cwd: string = process.cwd()): StoreSpec {
  const text = value.trim();
  if (text === "")
    throw new CliError("--store is empty; give a directory, redis://..., postgres://... or memory.");
  if (text === "memory") return { kind: "memory" };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "pglite", dataDir: resolve(cwd, text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--store ${redactSecrets(text)} is not a valid URL.`);
  }
  if (!url.hostname) throw new CliError(`--store ${redactSecrets(text)} has no host.`);
  if (scheme === "redis" || scheme === "rediss") {
    const keyPrefix = url.searchParams.get("prefix") ?? "threadmill";
    if (!/^[A-Za-z0-9:_.-]+$/.test(keyPrefix)) {
      throw new CliError(
        `--store: the redis key prefix "${keyPrefix}" may only hold letters, digits and : _ . -`,
      );
    }
    url.searchParams.delete("prefix");
    return { kind: "redis", url: url.toString(), keyPrefix };
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    const schema = url.searchParams.get("schema") ?? undefined;
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
      throw new CliError(`--store: the postgres schema "${schema}" must be a plain SQL identifier.`);
    }
    url.searchParams.delete("schema");
    return { kind: "postgres", url: url.toString(), schema };
  }
  throw new CliError(
    `--store ${redactSecrets(text)}: unknown scheme "${scheme}://"; use a directory, redis://, rediss://, postgres://, postgresql:// or memory.`,
  );
}

/** A store as it may be shown to a user: the kind and the URL without its password. */
export function describeStore(spec: StoreSpec): string {
  switch (spec.kind) {
    case "memory":
      return "memory";
    case "pglite":
      return spec.dataDir;
    default:
      return redactSecrets(spec.url);
  }
}
