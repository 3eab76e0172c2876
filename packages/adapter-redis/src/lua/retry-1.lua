--[[
  Queues a failed or cancelled job again with fresh attempts, taking back its singleton key, lifting
  the retention TTLs and leaving the finished index (cleanup no longer sees it); any other job is
  returned unchanged.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant

  Output:
    {0, job hash}
    {2, holder id}  the singleton key is held by another queued or running job
    {3}             the job does not exist in this tenant
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]

local j = jk(id)
local f = redis.call('HMGET', j, 'tenant', 'status', 'single')
if f[1] ~= tenant then return {3} end
if f[2] ~= 'failed' and f[2] ~= 'cancelled' then return {0, redis.call('HGETALL', j)} end
if f[3] then
  local holder = redis.call('GET', sk(tenant, f[3]))
  if holder and holder ~= id then
    local st = redis.call('HGET', jk(holder), 'status')
    if st == 'queued' or st == 'running' then return {2, holder} end
  end
  redis.call('SET', sk(tenant, f[3]), id)
end
local now = now_ms()
redis.call('HSET', j, 'status', 'queued', 'attempts', 0, 'cancel', 0, 'runAt', now, 'updatedAt', now)
redis.call('HDEL', j, 'error', 'finishedAt', 'workerId', 'leaseExp')
keep_alive(id, tenant)
redis.call('ZADD', tk(tenant), 0, id)
mark_live(id, tenant)
enqueue(id, now, now)
return {0, redis.call('HGETALL', j)}
