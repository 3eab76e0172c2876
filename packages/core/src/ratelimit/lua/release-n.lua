--[[
  Ends one call's hold on each concurrency key, as releaseHolds (rate-limit-algorithm.ts); a hold
  already expired or released is ignored. `-n`: one key per concurrency rule, so the key count varies
  and the caller passes it (numkeys).

  Input:
    KEYS[i]  a concurrency key (sorted set of hold id -> expiry), all under the limiter's hash tag

    ARGV[1]  the call's hold id

  Output:
    the number of holds removed
]]
local holdId = ARGV[1]

local removed = 0
for i = 1, #KEYS do
  removed = removed + redis.call('ZREM', KEYS[i], holdId)
end
return removed
