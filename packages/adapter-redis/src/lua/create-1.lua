--[[
  Creates a job, unless its idempotency key names an existing job or its singleton key is held.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  pipeline name
    ARGV[7]  input (JSON)
    ARGV[8]  options (JSON)
    ARGV[9]  idempotency key, '' for none
    ARGV[10] singleton key, '' for none
    ARGV[11] priority
    ARGV[12] max attempts
    ARGV[13] runAt in epoch ms, '' for now

  Output:
    {0, 1, job hash}  created
    {0, 0, job hash}  the idempotency key's existing job
    {2, holder id}    the singleton key is held by a queued or running job
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local pipeline = ARGV[6]
local inputJson = ARGV[7]
local optionsJson = ARGV[8]
local idem = ARGV[9]
local single = ARGV[10]
local priority = ARGV[11]
local maxAttempts = ARGV[12]
local runAtMs = ARGV[13]

if idem ~= '' then
  local existing = redis.call('GET', ik(tenant, idem))
  if existing and redis.call('EXISTS', jk(existing)) == 1 then
    return {0, 0, redis.call('HGETALL', jk(existing))}
  end
end
if single ~= '' then
  local holder = redis.call('GET', sk(tenant, single))
  if holder then
    local st = redis.call('HGET', jk(holder), 'status')
    if st == 'queued' or st == 'running' then return {2, holder} end
  end
end
local now = now_ms()
local runAt = now
if runAtMs ~= '' then runAt = tonumber(runAtMs) end
local j = jk(id)
redis.call('HSET', j, 'id', id, 'tenant', tenant, 'pipeline', pipeline, 'input', inputJson, 'options', optionsJson,
  'priority', priority, 'maxAttempts', maxAttempts, 'status', 'queued', 'attempts', 0, 'epoch', 0,
  'runAt', runAt, 'cancel', 0, 'counts', '{}', 'createdAt', now, 'updatedAt', now)
if idem ~= '' then
  redis.call('HSET', j, 'idem', idem)
  redis.call('SET', ik(tenant, idem), id)
end
if single ~= '' then
  redis.call('HSET', j, 'single', single)
  redis.call('SET', sk(tenant, single), id)
end
redis.call('ZADD', tk(tenant), 0, id)
mark_live(id, tenant)
enqueue(id, runAt, now)
return {0, 1, redis.call('HGETALL', j)}
