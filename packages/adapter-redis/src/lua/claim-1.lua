--[[
  Claims a job for a worker: the named one if it is due (queued and due, or running with an expired
  lease), else the best ready job (priority, then runAt, then age), promoting due delayed jobs and
  expired leases first.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  worker id
    ARGV[5]  lease in ms
    ARGV[6]  tenant of the named job, '' when none is named
    ARGV[7]  the named job's id, '' for the best ready job

  Output:
    {0, job hash}  claimed: epoch + 1, attempts + 1, a lease on the store clock
    {3}            nothing to claim
]]
--- @include "includes/coordination"
local worker = ARGV[4]
local leaseMs = tonumber(ARGV[5])
local tenant = ARGV[6]
local jobId = ARGV[7]

local now = now_ms()
if jobId ~= '' then
  local f = redis.call('HMGET', jk(jobId), 'tenant', 'status', 'runAt', 'leaseExp')
  if f[1] ~= tenant then return {3} end
  if (f[2] == 'queued' and tonumber(f[3]) <= now) or (f[2] == 'running' and tonumber(f[4]) <= now) then
    dequeue(jobId)
    return take(jobId, worker, leaseMs, now)
  end
  return {3}
end
return claim_next(worker, leaseMs, now)
