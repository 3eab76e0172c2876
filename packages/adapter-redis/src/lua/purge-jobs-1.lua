--[[
  Deletes a tenant's jobs: each one's record, checkpoint, events, queue and admin index entries, and
  its idempotency and singleton keys while they still name it. Ids of other tenants' jobs are only
  dropped from this tenant's index.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  tenant
    ARGV[5..] job ids

  Output:
    the number of jobs deleted
]]
--- @include "includes/coordination"
local tenant = ARGV[4]
local FIRST_JOB = 5

local n = 0
for i = FIRST_JOB, #ARGV do
  local id = ARGV[i]
  local j = jk(id)
  local f = redis.call('HMGET', j, 'tenant', 'idem', 'single')
  if f[1] == tenant then
    dequeue(id)
    if f[2] and redis.call('GET', ik(tenant, f[2])) == id then redis.call('DEL', ik(tenant, f[2])) end
    if f[3] and redis.call('GET', sk(tenant, f[3])) == id then redis.call('DEL', sk(tenant, f[3])) end
    redis.call('DEL', j, cpk(id), evk(id))
    n = n + 1
  end
  -- A job of another tenant stays in the global indexes; one whose hash expired leaves them.
  if f[1] == tenant or not f[1] then
    redis.call('ZREM', ALL_JOBS, id)
    redis.call('ZREM', LIVE_JOBS, id)
  end
  redis.call('ZREM', FINISHED_JOBS, fmember(id, tenant))
  redis.call('ZREM', CLEANING, fmember(id, tenant))
  redis.call('ZREM', tk(tenant), id)
end
return n
