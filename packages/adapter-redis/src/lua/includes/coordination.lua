--[[
  Included by every coordination script (its `@include` line): the store clock, key builders and
  queue helpers. Every key built here carries the queue's hash tag, so a script
  stays in one slot on a Redis Cluster.

  Input:
    ARGV[1]  the queue's base, `{prefix}:`
    ARGV[2]  event retention: entries kept per job's stream
    ARGV[3]  retention of finished jobs in ms (0 keeps them)
]]
local B = ARGV[1]
local EVENT_RETENTION = tonumber(ARGV[2])
local FINISHED_RETENTION = tonumber(ARGV[3])
local READY = B .. 'ready'
local DELAYED = B .. 'delayed'
local ACTIVE = B .. 'active'
-- Admin indexes (`JobAdmin.find`, `cleanup`); see redis-keys.ts. A job enters ALL_JOBS and LIVE_JOBS
-- when created (one left by an unpublished build older than them: only when retried).
local ALL_JOBS = B .. 'alljobs'
local LIVE_JOBS = B .. 'live'
local FINISHED_JOBS = B .. 'finished'
local CLEANING = B .. 'cleaning'

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function jk(id) return B .. 'job:' .. id end
local function cpk(id) return B .. 'cp:' .. id end
local function evk(id) return B .. 'ev:' .. id end
local function tk(tenant) return B .. 'tjobs:' .. string.len(tenant) .. ':' .. tenant end
local function ik(tenant, key) return B .. 'idem:' .. string.len(tenant) .. ':' .. tenant .. ':' .. key end
local function sk(tenant, key) return B .. 'single:' .. string.len(tenant) .. ':' .. tenant .. ':' .. key end
-- A finished job's member: its tenant travels with it, as the job's hash may expire before cleanup.
local function fmember(id, tenant) return id .. '|' .. tenant end

-- A new or queued-again job: in every job's index and the live ones', out of the finished index.
local function mark_live(id, tenant)
  redis.call('ZADD', ALL_JOBS, 0, id)
  redis.call('ZADD', LIVE_JOBS, 0, id)
  redis.call('ZREM', FINISHED_JOBS, fmember(id, tenant))
end

-- A job that became terminal: cleanup finds it by finishedAt, even after its hash expired.
local function mark_finished(id, tenant, now)
  redis.call('ZREM', LIVE_JOBS, id)
  redis.call('ZADD', FINISHED_JOBS, now, fmember(id, tenant))
end

-- Ready members sort by lexicographic order: priority descending, then runAt, then id (ids sort by time).
local function qmember(prio, runAt, id)
  return string.format('%010.0f%015.0f|', 2147483648 - prio, runAt) .. id
end
local QM_PREFIX = 26

local function make_ready(id)
  local f = redis.call('HMGET', jk(id), 'priority', 'runAt')
  local m = qmember(tonumber(f[1]), tonumber(f[2]), id)
  redis.call('HSET', jk(id), 'qm', m)
  redis.call('ZADD', READY, 0, m)
end

local function enqueue(id, runAt, now)
  if runAt <= now then
    make_ready(id)
  else
    redis.call('HDEL', jk(id), 'qm')
    redis.call('ZADD', DELAYED, runAt, id)
  end
end

local function dequeue(id)
  local m = redis.call('HGET', jk(id), 'qm')
  if m then
    redis.call('ZREM', READY, m)
    redis.call('HDEL', jk(id), 'qm')
  end
  redis.call('ZREM', DELAYED, id)
  redis.call('ZREM', ACTIVE, id)
end

-- nil when the lease is current (same tenant, same epoch, job running); else {1, currentEpoch or -1}.
local function fence(id, tenant, epoch)
  local f = redis.call('HMGET', jk(id), 'tenant', 'epoch', 'status')
  if not f[1] or f[1] ~= tenant then return {1, -1} end
  if tonumber(f[2]) ~= tonumber(epoch) or f[3] ~= 'running' then return {1, tonumber(f[2])} end
  return nil
end

-- Appends with exact trimming, remembering the newest trimmed id ('evcut') so a reader behind it
-- is told precisely (a 'reset'), whatever the Redis version.
local function xadd(id, json)
  local ev = evk(id)
  local n = redis.call('XLEN', ev)
  if n >= EVENT_RETENTION then
    local old = redis.call('XRANGE', ev, '-', '+', 'COUNT', n - EVENT_RETENTION + 1)
    redis.call('HSET', jk(id), 'evcut', old[#old][1])
  end
  return redis.call('XADD', ev, 'MAXLEN', EVENT_RETENTION, '*', 'd', json)
end

-- The job's own terminal or cancel event, written by the store in the same step as the status.
local function job_event(id, etype, status, message, epoch, now)
  local f = redis.call('HMGET', jk(id), 'attempts', 'stage')
  local e = { type = etype, status = status, attempt = tonumber(f[1]) or 0, epoch = epoch, at = now }
  if f[2] then e.stage = f[2] end
  if message then e.message = message end
  return xadd(id, cjson.encode(e))
end

local function keep_for_retention(id, tenant)
  local j = jk(id)
  if FINISHED_RETENTION > 0 then
    redis.call('PEXPIRE', j, FINISHED_RETENTION)
    redis.call('PEXPIRE', cpk(id), FINISHED_RETENTION)
    redis.call('PEXPIRE', evk(id), FINISHED_RETENTION)
    local idem = redis.call('HGET', j, 'idem')
    if idem and redis.call('GET', ik(tenant, idem)) == id then
      redis.call('PEXPIRE', ik(tenant, idem), FINISHED_RETENTION)
    end
  end
end

local function keep_alive(id, tenant)
  local j = jk(id)
  redis.call('PERSIST', j)
  redis.call('PERSIST', cpk(id))
  redis.call('PERSIST', evk(id))
  local idem = redis.call('HGET', j, 'idem')
  if idem and redis.call('GET', ik(tenant, idem)) == id then redis.call('PERSIST', ik(tenant, idem)) end
end

-- Sets a terminal status: leaves every queue structure, frees the singleton key, starts retention.
local function finish(id, tenant, status, now)
  local j = jk(id)
  dequeue(id)
  redis.call('HSET', j, 'status', status, 'finishedAt', now, 'updatedAt', now)
  redis.call('HDEL', j, 'workerId', 'leaseExp')
  local single = redis.call('HGET', j, 'single')
  if single and redis.call('GET', sk(tenant, single)) == id then redis.call('DEL', sk(tenant, single)) end
  keep_for_retention(id, tenant)
  mark_finished(id, tenant, now)
end

-- Hands the job to a worker: epoch + 1, attempts + 1, a fresh lease on the store clock.
local function take(id, worker, leaseMs, now, epoch, attempts)
  local j = jk(id)
  local lease = now + leaseMs
  if epoch == nil then
    local f = redis.call('HMGET', j, 'epoch', 'attempts')
    epoch, attempts = f[1], f[2]
  end
  redis.call('HSET', j, 'status', 'running', 'workerId', worker, 'leaseExp', lease, 'updatedAt', now,
    'epoch', (tonumber(epoch) or 0) + 1, 'attempts', (tonumber(attempts) or 0) + 1)
  redis.call('HDEL', j, 'qm')
  redis.call('ZADD', ACTIVE, lease, id)
  return {0, redis.call('HGETALL', j)}
end

-- Moves due delayed jobs and expired leases into the ready set (no sweeper process needed).
local function promote(now)
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, 200)
  for _, id in ipairs(due) do
    redis.call('ZREM', DELAYED, id)
    if redis.call('HGET', jk(id), 'status') == 'queued' then make_ready(id) end
  end
  local expired = redis.call('ZRANGEBYSCORE', ACTIVE, '-inf', now, 'LIMIT', 0, 200)
  for _, id in ipairs(expired) do
    redis.call('ZREM', ACTIVE, id)
    if redis.call('HGET', jk(id), 'status') == 'running' then make_ready(id) end
  end
end

-- Claims the best ready job; {3} when none.
local function claim_next(worker, leaseMs, now)
  promote(now)
  for _ = 1, 1000 do
    local m = redis.call('ZRANGE', READY, 0, 0)[1]
    if not m then return {3} end
    redis.call('ZREM', READY, m)
    local id = string.sub(m, QM_PREFIX + 1)
    local f = redis.call('HMGET', jk(id), 'status', 'leaseExp', 'qm', 'epoch', 'attempts')
    if f[3] == m then
      if f[1] == 'queued' or (f[1] == 'running' and tonumber(f[2]) <= now) then
        return take(id, worker, leaseMs, now, f[4], f[5])
      end
      redis.call('HDEL', jk(id), 'qm')
    end
  end
  return {3}
end
