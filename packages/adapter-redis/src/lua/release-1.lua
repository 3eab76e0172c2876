--[[
  Hands a running job back to the queue (a retry later or now), under its current lease.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch
    ARGV[7]  runAt in epoch ms, '' for now
    ARGV[8]  error (JSON) to record, '' clears the recorded one

  Output:
    {0, job hash}
    {1, current epoch or -1}  the lease is not current (fenced)
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = ARGV[6]
local runAtMs = ARGV[7]
local errorJson = ARGV[8]

local bad = fence(id, tenant, epoch)
if bad then return bad end
local now = now_ms()
local runAt = now
if runAtMs ~= '' then runAt = tonumber(runAtMs) end
local j = jk(id)
redis.call('ZREM', ACTIVE, id)
redis.call('HSET', j, 'status', 'queued', 'runAt', runAt, 'updatedAt', now)
redis.call('HDEL', j, 'workerId', 'leaseExp')
if errorJson ~= '' then redis.call('HSET', j, 'error', errorJson) else redis.call('HDEL', j, 'error') end
enqueue(id, runAt, now)
return {0, redis.call('HGETALL', j)}
