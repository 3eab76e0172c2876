--[[
  Checks every charge of one call at once on the store's clock, a line-for-line port of
  decideAcquire (rate-limit-algorithm.ts): GCRA with a cost per rate charge (TAT = max(TAT, now) +
  cost x emission, admitted while TAT - now <= tolerance + EPSILON), a hold per concurrency charge.
  All are recorded or none is; a denial only drops expired holds. `-n`: one key per charge, so the
  key count varies and the caller passes it (numkeys).

  Input:
    KEYS[i]  charge i's key, all under the limiter's hash tag: a string holding the TAT (rate charge)
             or a sorted set of hold id -> expiry in epoch ms (concurrency charge)

    ARGV[1]  the call's hold id
    ARGV[4i-2 .. 4i+1]  charge i: 'r', emissionMs, toleranceMs, cost
                              or 'c', limit, holdMs, ''

  Output:
    {allowed (1 or 0), retryAfterMs, {units left per charge: after this call when allowed, now when
     denied}, {indexes (from 0) of refusing charges}}
]]
--- @include "includes/gcra"
local holdId = ARGV[1]

local now = now_ms()
-- Units left after this call (reported when it is admitted) and left now (when it is not: it took nothing).
local after = {}
local left = {}
local denied = {}
local writes = {}
local retryAfter = 0

-- The reference's units(): whole units that fit in roomMs.
local function units(roomMs, emissionMs)
  return math.max(0, math.floor((roomMs + EPSILON) / emissionMs))
end

for i = 1, #KEYS do
  local key = KEYS[i]
  local at = 4 * i - 2
  if ARGV[at] == 'r' then
    local emissionMs = tonumber(ARGV[at + 1])
    local toleranceMs = tonumber(ARGV[at + 2])
    local cost = tonumber(ARGV[at + 3])
    local tat = math.max(get_tat(key, now), now)
    local nextTat = tat + cost * emissionMs
    left[i] = units(toleranceMs - (tat - now), emissionMs)
    if nextTat - now > toleranceMs + EPSILON then
      denied[#denied + 1] = i - 1
      retryAfter = math.max(retryAfter, nextTat - now - toleranceMs)
      after[i] = 0
    else
      after[i] = units(toleranceMs - (nextTat - now), emissionMs)
      if cost > 0 then writes[#writes + 1] = function() set_tat(key, nextTat, now) end end
    end
  else
    local limit = tonumber(ARGV[at + 1])
    local holdMs = tonumber(ARGV[at + 2])
    local size = live_holds(key, now)
    left[i] = math.max(0, limit - size)
    if size + 1 > limit then
      denied[#denied + 1] = i - 1
      local first = redis.call('ZRANGE', key, '0', '0', 'WITHSCORES')
      retryAfter = math.max(retryAfter, tonumber(first[2]) - now)
      after[i] = 0
    else
      after[i] = limit - size - 1
      writes[#writes + 1] = function() add_hold(key, holdId, now + holdMs, now) end
    end
  end
end

if #denied > 0 then
  return {0, math.max(1, math.ceil(retryAfter)), left, denied}
end
for _, write in ipairs(writes) do write() end
return {1, 0, after, denied}
