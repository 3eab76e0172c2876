--[[
  Lists a tenant's jobs, newest first, optionally only those in the given statuses; ids whose job has
  expired are dropped from the tenant's index on the way.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  tenant
    ARGV[5]  list jobs older than this job id, '' from the newest
    ARGV[6]  most jobs to return
    ARGV[7..] statuses to keep; none keeps every status

  Output:
    a list of job hashes
]]
--- @include "includes/coordination"
local tenant = ARGV[4]
local beforeId = ARGV[5]
local limit = tonumber(ARGV[6])
local FIRST_STATUS = 7

local t = tk(tenant)
local want = nil
if #ARGV >= FIRST_STATUS then
  want = {}
  for i = FIRST_STATUS, #ARGV do want[ARGV[i]] = true end
end
local out = {}
local max = '+'
if beforeId ~= '' then max = '(' .. beforeId end
while #out < limit do
  local ids = redis.call('ZREVRANGEBYLEX', t, max, '-', 'LIMIT', 0, 200)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local h = redis.call('HGETALL', jk(id))
    if #h == 0 then
      redis.call('ZREM', t, id)
    else
      local status = nil
      for i = 1, #h, 2 do if h[i] == 'status' then status = h[i + 1] end end
      if want == nil or want[status] then
        out[#out + 1] = h
        if #out >= limit then break end
      end
    end
  end
  max = '(' .. ids[#ids]
end
return out
