--[[
  Ends a batch of holds, as releaseHolds (rate-limit-algorithm.ts) for each: a hold already expired
  or released is ignored. The holds of one key go in one ZREM. `-n`: the key count varies and the
  caller passes it (numkeys).

  Input:
    KEYS[k]  the batch's distinct concurrency keys (sorted sets of hold id -> expiry), all under the
             limiter's hash tag

    ARGV[1]  the number of releases, then per release: its hold id, its number of keys, and the
             index in KEYS of each

  Output:
    the number of holds removed
]]
local members = {}  -- key index -> hold ids to remove
local order = {}    -- those key indexes, in order
local at = 2
for _ = 1, tonumber(ARGV[1]) do
  local holdId, n = ARGV[at], tonumber(ARGV[at + 1])
  for i = 1, n do
    local k = tonumber(ARGV[at + 1 + i])
    if members[k] == nil then
      members[k] = {}
      order[#order + 1] = k
    end
    members[k][#members[k] + 1] = holdId
  end
  at = at + 2 + n
end

local removed = 0
for _, k in ipairs(order) do
  removed = removed + redis.call('ZREM', KEYS[k], unpack(members[k]))
end
return removed
