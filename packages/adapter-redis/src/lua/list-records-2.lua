--[[
  Lists records in id order from an index of ids (the tenant's, or a job's membership).

  Input:
    KEYS[1]  ZSET of record ids to list from
    KEYS[2]  HASH id -> encoded record

    ARGV[1]  list ids after this one, '' from the first
    ARGV[2]  most records to return

  Output:
    a flat list of record id, encoded record ('' when its data is gone)
]]
local indexKey = KEYS[1]
local dataKey = KEYS[2]
local after = ARGV[1]
local limit = tonumber(ARGV[2])

local min = '-'
if after ~= '' then min = '(' .. after end
local ids = redis.call('ZRANGEBYLEX', indexKey, min, '+', 'LIMIT', 0, limit)
local out = {}
for i, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', dataKey, id) or ''
end
return out
