import { createHash } from "node:crypto";
import { countFakeTokens, countSystemTokens } from "./count-fake-tokens.js";

/** How the fake split a request's input between the prompt cache and fresh tokens. */
export interface FakeCacheUse {
  /** Prefix tokens written to the cache by this request (0 when it read or cached nothing). */
  readonly creation: number;
  /** Prefix tokens read from the cache (0 on a miss). */
  readonly read: number;
  /** The lifetime the breakpoint asked for. */
  readonly ttl: "5m" | "1h";
}

const NONE: FakeCacheUse = { creation: 0, read: 0, ttl: "5m" };
type Block = { readonly cache_control?: { readonly type?: string; readonly ttl?: string } | null };

/**
 * The smallest prefix, in tokens, the fake caches for `model`: 4096 for Claude Haiku 4.5, 2048 for
 * Claude 3.5 Haiku and Claude 3 Haiku, 1024 for every other model. A shorter prefix is not cached.
 */
export function cacheMinimumTokens(model: string): number {
  if (model === "claude-haiku-4-5" || model.startsWith("claude-haiku-4-5-")) return 4096;
  if (model.startsWith("claude-3-5-haiku") || model.startsWith("claude-3-haiku")) return 2048;
  return 1024;
}

/**
 * The fake's prompt cache: a prefix (tools, then system, up to the last block carrying
 * `cache_control`) is written by the first request that sends it and read by the next ones until
 * its lifetime (5 minutes, or 1 hour with `ttl: "1h"`, refreshed by each read) passes on the fake's
 * clock. Prefixes under `cacheMinimumTokens(model)` are silently not cached, as the API does.
 */
export class FakePromptCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Looks the request's prefix up (writing it on a miss) and says how its tokens split. */
  use(body: { readonly model: string; readonly system?: unknown; readonly tools?: unknown }): FakeCacheUse {
    const tools = Array.isArray(body.tools) ? (body.tools as Block[]) : [];
    const system = Array.isArray(body.system) ? (body.system as Block[]) : [];
    const systemAt = lastMarked(system);
    const toolAt = lastMarked(tools);
    let prefix: { tools: Block[]; system: Block[]; ttl: string | undefined };
    if (systemAt >= 0) {
      prefix = { tools, system: system.slice(0, systemAt + 1), ttl: system[systemAt]!.cache_control!.ttl };
    } else if (toolAt >= 0) {
      prefix = { tools: tools.slice(0, toolAt + 1), system: [], ttl: tools[toolAt]!.cache_control!.ttl };
    } else {
      return NONE;
    }
    const tokens =
      (prefix.tools.length > 0 ? countFakeTokens(JSON.stringify(prefix.tools)) : 0) +
      countSystemTokens(prefix.system, prefix.system.length);
    if (tokens < cacheMinimumTokens(body.model)) return NONE;
    const ttl = prefix.ttl === "1h" ? "1h" : "5m";
    const key = createHash("sha256")
      .update(JSON.stringify([body.model, prefix.tools, prefix.system]))
      .digest("hex");
    const now = this.now();
    const expiresAt = this.entries.get(key);
    this.entries.set(key, now + (ttl === "1h" ? 3_600_000 : 300_000));
    return expiresAt !== undefined && expiresAt > now
      ? { creation: 0, read: tokens, ttl }
      : { creation: tokens, read: 0, ttl };
  }
}

function lastMarked(blocks: Block[]): number {
  for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]?.cache_control) return i;
  return -1;
}
