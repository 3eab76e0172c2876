--[[
  Included by the rate limiter's scripts (their `@include` line, after `shared/store-clock`): the writes of
  a limiter's state. A port of rate-limit-algorithm.ts; keep the two in step.

  Input:
    none; every key the scripts touch is one of their KEYS, all under the limiter's hash tag
]]
-- RATE_LIMIT_EPSILON_MS of rate-limit-algorithm.ts.
local EPSILON = 0.001

-- Redis expires keys on its whole-millisecond clock while `now` has microseconds: one more ms keeps a
-- key at least until the time it stands for.
local function ttl_ms(untilMs, now)
  return math.ceil(untilMs - now) + 1
end

-- The reference's liveHolds: drops holds expired at or before now, returns how many are left.
local function live_holds(key, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key)
end

-- Keeps a key alive until the latest time it stands for (a TAT, a hold's expiry). When it must be
-- extended, it is extended twice as far: a busy limiter then pays one PEXPIRE now and then rather
-- than one per check, and an idle one still leaves nothing behind, twice as late at worst.
local function extend_ttl(key, latest, now)
  local need = ttl_ms(latest, now)
  if redis.call('PTTL', key) < need then redis.call('PEXPIRE', key, 2 * need) end
end
