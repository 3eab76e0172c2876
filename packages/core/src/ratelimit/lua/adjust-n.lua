--[[
  Applies refunds and late charges to rate keys on the store's clock, a line-for-line port of
  applyAdjustments (rate-limit-algorithm.ts): a refund moves the TAT back, never before now; a charge
  moves it on from max(TAT, now), past the tolerance if need be. `-n`: one key per adjustment, so the
  key count varies and the caller passes it (numkeys).

  Input:
    KEYS[i]  adjustment i's TAT key, all under the limiter's hash tag

    ARGV[2i-1]  adjustment i's emissionMs
    ARGV[2i]    adjustment i's delta in units (negative gives back, positive takes)

  Output:
    the number of adjustments applied
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"
local now = now_ms()

for i = 1, #KEYS do
  local emissionMs = tonumber(ARGV[2 * i - 1])
  local delta = tonumber(ARGV[2 * i])
  local tat = get_tat(KEYS[i], now)
  local nextTat
  if delta < 0 then
    nextTat = math.max(tat + delta * emissionMs, now)
  else
    nextTat = math.max(tat, now) + delta * emissionMs
  end
  set_tat(KEYS[i], nextTat, now)
end
return #KEYS
