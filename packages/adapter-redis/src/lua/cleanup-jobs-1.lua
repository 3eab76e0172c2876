--[[
  Retention's first step: removes the coordination side of finished jobs that finished at least
  `olderThanMs` ago on the store clock, oldest first, also of jobs whose hash already expired (their
  records are still held). Each one moves from the finished index to the cleaning index, where it
  stays until the caller has purged its records, so a cleanup cut short between the two steps is
  completed by the next one. A queued or running job is never touched.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  age in ms a finished job must have reached
    ARGV[5]  most jobs to remove

  Output:
    {jobs removed, 1 when more were due than `limit` allowed else 0}
]]
--- @include "includes/coordination"
local olderThanMs = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])

local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', FINISHED_JOBS, '-inf', now - olderThanMs, 'LIMIT', 0, limit + 1)
local n = 0
for i = 1, math.min(limit, #due) do
  local member = due[i]
  local cut = string.find(member, '|', 1, true)
  local id = string.sub(member, 1, cut - 1)
  local tenant = string.sub(member, cut + 1)
  local f = redis.call('HMGET', jk(id), 'tenant', 'status', 'idem', 'single')
  redis.call('ZREM', FINISHED_JOBS, member)
  -- Retry takes a job out of this index, so a live one here is a leftover: dropped, never deleted.
  if not (f[1] == tenant and (f[2] == 'queued' or f[2] == 'running')) then
    if f[1] == tenant then
      if f[3] and redis.call('GET', ik(tenant, f[3])) == id then redis.call('DEL', ik(tenant, f[3])) end
      if f[4] and redis.call('GET', sk(tenant, f[4])) == id then redis.call('DEL', sk(tenant, f[4])) end
      redis.call('DEL', jk(id))
    end
    if f[1] == tenant or not f[1] then
      redis.call('DEL', cpk(id), evk(id))
      redis.call('ZREM', ALL_JOBS, id)
      redis.call('ZREM', LIVE_JOBS, id)
    end
    redis.call('ZREM', tk(tenant), id)
    redis.call('ZADD', CLEANING, now, member)
    n = n + 1
  end
end
local more = 0
if #due > limit then more = 1 end
return {n, more}
