--[[
  Finds jobs across tenants, newest first by id: walks one index of job ids (the tenant's when one is
  named, else the live jobs' when only queued or running jobs can match, else every job's) down from
  `before`, keeping the jobs that pass the filters, until `limit` are kept or `budget` ids were read
  (a short script however sparse the matches; the caller goes on from the cursor). Ids whose job is
  gone (its retention TTL fired) are dropped from the index on the way.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  '1' for one tenant's jobs, '0' for every tenant's
    ARGV[5]  the tenant, when ARGV[4] is '1'
    ARGV[6]  find jobs whose id sorts before this one, '' from the newest
    ARGV[7]  most jobs to return
    ARGV[8]  most ids to read in this call
    ARGV[9]  '1' for stuck jobs only: running with an expired lease, or queued and due more than the
             grace ago
    ARGV[10] the queued jobs' grace in ms
    ARGV[11..] statuses to keep; none keeps every status

  Output:
    {cursor, job hashes}  cursor: the last id read when the budget ran out first (call again with it
                          as `before`), '' when the index was read to its end or `limit` jobs were kept
]]
--- @include "includes/coordination"
local oneTenant = ARGV[4] == '1'
local tenant = ARGV[5]
local beforeId = ARGV[6]
local limit = tonumber(ARGV[7])
local budget = tonumber(ARGV[8])
local stuckOnly = ARGV[9] == '1'
local graceMs = tonumber(ARGV[10])
local FIRST_STATUS = 11
local PAGE = 200

-- Stuck jobs, or statuses among queued and running, are all in the live index.
local want = nil
local liveOnly = stuckOnly
if #ARGV >= FIRST_STATUS then
  want = {}
  local onlyLiveStatuses = true
  for i = FIRST_STATUS, #ARGV do
    want[ARGV[i]] = true
    if ARGV[i] ~= 'queued' and ARGV[i] ~= 'running' then onlyLiveStatuses = false end
  end
  liveOnly = stuckOnly or onlyLiveStatuses
end
local index = ALL_JOBS
if oneTenant then index = tk(tenant) elseif liveOnly then index = LIVE_JOBS end

local now = now_ms()
local function stuck(status, leaseExp, runAt)
  if status == 'running' then return leaseExp ~= nil and tonumber(leaseExp) <= now end
  return status == 'queued' and tonumber(runAt) + graceMs < now
end

local out = {}
local read = 0
local max = '+'
if beforeId ~= '' then max = '(' .. beforeId end
while read < budget do
  local ids = redis.call('ZREVRANGEBYLEX', index, max, '-', 'LIMIT', 0, math.min(PAGE, budget - read))
  if #ids == 0 then return {'', out} end
  for _, id in ipairs(ids) do
    read = read + 1
    local f = redis.call('HMGET', jk(id), 'tenant', 'status', 'leaseExp', 'runAt')
    if not f[2] then
      redis.call('ZREM', index, id)
    elseif (not oneTenant or f[1] == tenant) and (want == nil or want[f[2]])
        and (not stuckOnly or stuck(f[2], f[3] or nil, f[4])) then
      out[#out + 1] = redis.call('HGETALL', jk(id))
      if #out >= limit then return {'', out} end
    end
  end
  max = '(' .. ids[#ids]
end
return {string.sub(max, 2), out}
