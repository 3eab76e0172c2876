--[[
  Appends an event to a job's stream, trimmed to the event retention: fenced by a lease's epoch, or
  (no epoch) for any job of the tenant.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch, '' to append without a lease
    ARGV[7]  the event (JSON)

  Output:
    {0, stream entry id}
    {1, current epoch or -1}  the lease is not current, or the job is not the tenant's
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = ARGV[6]
local eventJson = ARGV[7]

if epoch ~= '' then
  local bad = fence(id, tenant, epoch)
  if bad then return bad end
elseif redis.call('HGET', jk(id), 'tenant') ~= tenant then
  return {1, -1}
end
return {0, xadd(id, eventJson)}
