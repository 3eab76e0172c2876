import { RATE_LIMIT_LUA, SPEND_LUA } from "@threadmill/core";

/**
 * core's rate limiter and spend ledger Lua, registered on the client like the adapter's own scripts
 * (`defineCommand`: EVALSHA, reloaded on NOSCRIPT). Their key counts vary, so each call passes its
 * own (numkeys first).
 */
export const LIMITS_SCRIPTS = {
  acquire: { name: "threadmill_rl_acquire_v1", lua: RATE_LIMIT_LUA.acquire },
  acquireSingle: { name: "threadmill_rl_acquire_single_v1", lua: RATE_LIMIT_LUA.acquireSingle },
  adjust: { name: "threadmill_rl_adjust_v1", lua: RATE_LIMIT_LUA.adjust },
  release: { name: "threadmill_rl_release_v1", lua: RATE_LIMIT_LUA.release },
  setCaps: { name: "threadmill_spend_set_caps_v1", lua: SPEND_LUA.setCaps },
  reserve: { name: "threadmill_spend_reserve_v1", lua: SPEND_LUA.reserve },
  settle: { name: "threadmill_spend_settle_v1", lua: SPEND_LUA.settle },
  read: { name: "threadmill_spend_read_v1", lua: SPEND_LUA.read },
} as const;

/** Names of core's limits scripts. */
export type LimitsScriptName = keyof typeof LIMITS_SCRIPTS;
