--[[
  Applies refunds and late charges to rate dimensions on the store's clock, a line-for-line port of
  applyAdjustments (rate-limit-algorithm.ts): a refund moves the TAT back, never before now; a charge
  moves it on from max(TAT, now), past the tolerance if need be. A TAT back at or before now is an
  empty bucket: its field goes (and its hash with the last one). `-n`: one key per adjustment, so the
  key count varies and the caller passes it (numkeys).

  Input:
    KEYS[i]  adjustment i's group hash (field -> TAT), all under the limiter's hash tag

    ARGV[3i-2]  adjustment i's field in that hash
    ARGV[3i-1]  its emissionMs
    ARGV[3i]    its delta in units (negative gives back, positive takes)

  Output:
    the number of adjustments applied
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"

local now = now_ms()

for i = 1, #KEYS do
  local key, field = KEYS[i], ARGV[3 * i - 2]
  local emissionMs = tonumber(ARGV[3 * i - 1])
  local delta = tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('HGET', key, field)) or now
  local nextTat
  if delta < 0 then
    nextTat = math.max(tat + delta * emissionMs, now)
  else
    nextTat = math.max(tat, now) + delta * emissionMs
  end
  if nextTat > now then
    redis.call('HSET', key, field, nextTat)
    extend_ttl(key, nextTat, now)
  else
    redis.call('HDEL', key, field)
  end
end
return #KEYS
