// The rate limit and spend stores driven by a test's clock instead of the server's TIME, to compare
// them decision for decision with core's reference algorithm: each script's now_ms() is replaced by
// one reading the last ARGV (the scripts never read past their own arguments), the rest of the Lua is
// what production runs. Single Redis only (EVAL without the registered commands).
import type { Redis } from "ioredis";
import { LIMITS_SCRIPTS, type LimitsScriptName } from "../src/lua/limits-scripts.js";
import type { RedisContext } from "../src/redis-context.js";
import { createRedisKeys } from "../src/redis-keys.js";

const SERVER_CLOCK = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end`;
const TEST_CLOCK = "local function now_ms() return tonumber(ARGV[#ARGV]) end";

/** A script's text with the test's clock; throws when the server clock's definition moved. */
export function withTestClock(name: LimitsScriptName): string {
  const lua = LIMITS_SCRIPTS[name].lua;
  const uses = lua.includes("now_ms()");
  const patched = lua.replace(SERVER_CLOCK, TEST_CLOCK);
  if (uses && patched === lua) throw new Error(`${name}: its now_ms() is not the one this helper replaces`);
  return patched;
}

/** The part of RedisContext the limits stores use, on `client` with `now()` as the store clock. */
export function fixedClockContext(client: Redis, keyPrefix: string, now: () => number): RedisContext {
  const scripts = Object.fromEntries(
    (Object.keys(LIMITS_SCRIPTS) as LimitsScriptName[]).map((name) => [name, withTestClock(name)]),
  ) as Record<LimitsScriptName, string>;
  const context: Pick<RedisContext, "keys" | "limits"> = {
    keys: createRedisKeys(keyPrefix),
    limits: (name, _operation, keys, args) =>
      client.eval(scripts[name], keys.length, ...keys, ...args, String(now())),
  };
  return context as RedisContext;
}
