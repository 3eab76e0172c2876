--[[
  Patches a running job's stage and progress under its current lease.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch
    ARGV[7]  '1' to set the stage, '0' to keep it
    ARGV[8]  the stage
    ARGV[9]  progress (JSON); 'null' clears it, '' keeps it

  Output:
    {0, job hash}
    {1, current epoch or -1}  the lease is not current (fenced)
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = ARGV[6]
local setStage = ARGV[7]
local stage = ARGV[8]
local progressJson = ARGV[9]

local bad = fence(id, tenant, epoch)
if bad then return bad end
local now = now_ms()
local j = jk(id)
if setStage == '1' then redis.call('HSET', j, 'stage', stage) end
if progressJson == 'null' then redis.call('HDEL', j, 'progress') elseif progressJson ~= '' then redis.call('HSET', j, 'progress', progressJson) end
redis.call('HSET', j, 'updatedAt', now)
return {0, redis.call('HGETALL', j)}
