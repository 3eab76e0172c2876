--[[
  Extends a current lease on the store clock and keeps the job out of the ready set.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch
    ARGV[7]  new lease in ms from now

  Output:
    {0, lease expiry in epoch ms, cancel flag ('1' when a cancel was requested)}
    {1, current epoch or -1}  the lease is not current (fenced)
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = ARGV[6]
local leaseMs = tonumber(ARGV[7])

local bad = fence(id, tenant, epoch)
if bad then return bad end
local now = now_ms()
local lease = now + leaseMs
local j = jk(id)
local m = redis.call('HGET', j, 'qm')
if m then
  redis.call('ZREM', READY, m)
  redis.call('HDEL', j, 'qm')
end
redis.call('HSET', j, 'leaseExp', lease, 'updatedAt', now)
redis.call('ZADD', ACTIVE, lease, id)
return {0, lease, redis.call('HGET', j, 'cancel')}
