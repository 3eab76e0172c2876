--[[
  Sets a running job's terminal status (succeeded, failed or cancelled) under its current lease, with
  its terminal event; optionally claims the next job for a worker in the same step. Repeating the
  same terminal write under the lease that made it (its answer was lost) changes nothing.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch
    ARGV[7]  terminal status
    ARGV[8]  result (JSON), '' for none
    ARGV[9]  error (JSON), '' for none
    ARGV[10] the terminal event's message, '' for none
    ARGV[11] worker id to claim the next job for, '' for no claim
    ARGV[12] the next claim's lease in ms

  Output:
    {0, job hash}                 finished
    {0, job hash, claim reply}    finished, and the next claim as claim-1.lua answers it
    {1, current epoch or -1}      the lease is not current (fenced)
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = tonumber(ARGV[6])
local status = ARGV[7]
local resultJson = ARGV[8]
local errorJson = ARGV[9]
local message = ARGV[10]
local nextWorker = ARGV[11]
local nextLeaseMs = tonumber(ARGV[12])

local j = jk(id)
local now = now_ms()
local f = redis.call('HMGET', j, 'tenant', 'epoch', 'status', 'workerId', 'attempts', 'stage', 'single', 'idem', 'qm')
if f[1] ~= tenant then return {1, -1} end
if tonumber(f[2]) == epoch and f[3] == status and not f[4] then
  -- The same terminal write repeated under the lease that made it (its answer was lost) is a no-op.
  local job = redis.call('HGETALL', j)
  if nextWorker ~= '' then return {0, job, claim_next(nextWorker, nextLeaseMs, now)} end
  return {0, job}
end
if tonumber(f[2]) ~= epoch or f[3] ~= 'running' then return {1, tonumber(f[2])} end
local e = { type = status, status = status, attempt = tonumber(f[5]) or 0, epoch = epoch, at = now }
if f[6] then e.stage = f[6] end
if message ~= '' then e.message = message end
xadd(id, cjson.encode(e))
if f[9] then redis.call('ZREM', READY, f[9]) end
redis.call('ZREM', ACTIVE, id)
redis.call('HSET', j, 'status', status, 'finishedAt', now, 'updatedAt', now)
mark_finished(id, tenant, now)
if resultJson ~= '' then redis.call('HSET', j, 'result', resultJson) end
if errorJson ~= '' then redis.call('HSET', j, 'error', errorJson) end
redis.call('HDEL', j, 'workerId', 'leaseExp', 'qm')
if f[7] and redis.call('GET', sk(tenant, f[7])) == id then redis.call('DEL', sk(tenant, f[7])) end
if FINISHED_RETENTION > 0 then
  redis.call('PEXPIRE', j, FINISHED_RETENTION)
  redis.call('PEXPIRE', cpk(id), FINISHED_RETENTION)
  redis.call('PEXPIRE', evk(id), FINISHED_RETENTION)
  if f[8] and redis.call('GET', ik(tenant, f[8])) == id then redis.call('PEXPIRE', ik(tenant, f[8]), FINISHED_RETENTION) end
end
local job = redis.call('HGETALL', j)
if nextWorker ~= '' then return {0, job, claim_next(nextWorker, nextLeaseMs, now)} end
return {0, job}
