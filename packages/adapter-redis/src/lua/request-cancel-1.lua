--[[
  Cancels a queued job at once (with its cancelled event); flags a running one for its worker, which
  sees the flag on its next extend.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant

  Output:
    {0, job hash}
    {3}  the job does not exist in this tenant
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]

local j = jk(id)
local f = redis.call('HMGET', j, 'tenant', 'status')
if f[1] ~= tenant then return {3} end
local now = now_ms()
if f[2] == 'queued' then
  job_event(id, 'cancelled', 'cancelled', nil, 0, now)
  finish(id, tenant, 'cancelled', now)
elseif f[2] == 'running' then
  redis.call('HSET', j, 'cancel', 1, 'updatedAt', now)
end
return {0, redis.call('HGETALL', j)}
