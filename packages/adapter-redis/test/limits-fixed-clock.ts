// The rate limit and spend stores driven by a test's clock instead of the server's TIME, to compare
// them decision for decision with core's reference algorithm: each script's now_ms() is replaced by
// one reading the last ARGV (the scripts never read past their own arguments) and ttl_ms() by an hour;
// the rest of the Lua is what production runs. Single Redis only (EVAL without the registered commands).
import type { Redis } from "ioredis";
import { LIMITS_SCRIPTS, type LimitsScriptName } from "../src/lua/limits-scripts.js";
import type { RedisContext } from "../src/redis-context.js";
import { createRedisKeys } from "../src/redis-keys.js";

const SERVER_CLOCK = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end`;
const TEST_CLOCK = "local function now_ms() return tonumber(ARGV[#ARGV]) end";
// Redis expires keys on its real clock, which the test clock does not follow: keys live an hour here,
// so a key outlives the state it stands for (which the algorithm reads as empty anyway) and never dies
// before it. Production TTLs are checked on the real clock (redis-rate-limit-store.test.ts).
const SERVER_TTL = `local function ttl_ms(untilMs, now)
  return math.ceil(untilMs - now) + 1
end`;
const TEST_TTL = "local function ttl_ms(untilMs, now) return 3600000 end";

/** A script's text with the test's clock; throws when the server clock's definition moved. */
export function withTestClock(name: LimitsScriptName): string {
  const lua = LIMITS_SCRIPTS[name].lua;
  let patched = lua.replace(SERVER_CLOCK, TEST_CLOCK);
  if (lua.includes("now_ms()") && patched === lua) {
    throw new Error(`${name}: its now_ms() is not the one this helper replaces`);
  }
  const before = patched;
  patched = patched.replace(SERVER_TTL, TEST_TTL);
  if (lua.includes("ttl_ms(") && patched === before) {
    throw new Error(`${name}: its ttl_ms() is not the one this helper replaces`);
  }
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
