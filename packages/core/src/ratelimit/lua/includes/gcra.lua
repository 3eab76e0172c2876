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

-- The TAT of a rate key; a missing key is an empty bucket (TAT = now, as the reference's `?? now`).
local function get_tat(key, now)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return now
end

-- Stores a TAT until it runs out; one at or before now is an empty bucket, so the key goes. Numbers
-- go to redis.call as numbers: the server writes them exactly.
local function set_tat(key, tat, now)
  if tat > now then
    redis.call('SET', key, tat, 'PX', ttl_ms(tat, now))
  else
    redis.call('DEL', key)
  end
end

-- The reference's liveHolds: drops holds expired at or before now, returns how many are left.
local function live_holds(key, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key)
end

-- Keeps a hold set alive until its latest hold ends: the set's TTL always covers every hold in it, so
-- comparing with the TTL (one read) stands for reading the latest hold.
local function extend_holds(key, latestExpiry, now)
  local need = ttl_ms(latestExpiry, now)
  if redis.call('PTTL', key) < need then redis.call('PEXPIRE', key, need) end
end
