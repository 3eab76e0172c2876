--[[
  Included by the spend ledger's scripts that touch totals (their `@include` line, after
  `shared/store-clock`): the tenant's keys and the lazy charging of expired reservations. A port of spend-algorithm.ts; keep
  the two in step.

  Input:
    KEYS[1]  the tenant's caps: HASH '<unit>:<caps key>' -> cap ('t' the tenant, 'j:<jobId>' a job)
    KEYS[2]  the tenant's totals: HASH '<s|r>:<unit>:<bucket>' -> integer, s spent, r reserved,
             bucket 'm:<YYYY-MM>' (tenant month) or 'j:<jobId>'
    KEYS[3]  open reservations: HASH id -> 'microUsd tokens period expiresAt <0|1>jobId'
    KEYS[4]  their expiries: ZSET id -> expiresAt in epoch ms
]]
local CAPS = KEYS[1]
local TOTALS = KEYS[2]
local RESERVATIONS = KEYS[3]
local EXPIRIES = KEYS[4]
local UNITS = {'microUsd', 'tokens'}

-- The reference's capsKey, and the job bucket's name (the same string).
local function job_key(jobId) return 'j:' .. jobId end

local function caps_of(capsKey)
  local v = redis.call('HMGET', CAPS, 'microUsd:' .. capsKey, 'tokens:' .. capsKey)
  return {microUsd = tonumber(v[1]), tokens = tonumber(v[2])}
end

local function total(kind, unit, bucket)
  return tonumber(redis.call('HGET', TOTALS, kind .. ':' .. unit .. ':' .. bucket) or '0')
end

-- Adds sign x amount to one kind ('s' or 'r') of a bucket; integers, as the reference's sums of them.
local function add(kind, bucket, amount, sign)
  for _, unit in ipairs(UNITS) do
    if amount[unit] ~= 0 then
      redis.call('HINCRBY', TOTALS, kind .. ':' .. unit .. ':' .. bucket, fmt(sign * amount[unit]))
    end
  end
end

-- The reference's bucketsOf: the tenant's month of the reservation, and its job when it has one.
local function buckets_of(r)
  if r.jobId then return {'m:' .. r.period, job_key(r.jobId)} end
  return {'m:' .. r.period}
end

local function read_reservation(id)
  local v = redis.call('HGET', RESERVATIONS, id)
  if not v then return nil end
  local microUsd, tokens, period, expiresAt, hasJob, jobId = string.match(v, '^(%S+) (%S+) (%S+) (%S+) ([01])(.*)$')
  local r = {amount = {microUsd = tonumber(microUsd), tokens = tonumber(tokens)}, period = period, expiresAt = tonumber(expiresAt)}
  if hasJob == '1' then r.jobId = jobId end
  return r
end

local function write_reservation(id, r)
  local job = r.jobId and ('1' .. r.jobId) or '0'
  local v = fmt(r.amount.microUsd) .. ' ' .. fmt(r.amount.tokens) .. ' ' .. r.period .. ' ' .. fmt(r.expiresAt) .. ' ' .. job
  redis.call('HSET', RESERVATIONS, id, v)
  redis.call('ZADD', EXPIRIES, fmt(r.expiresAt), id)
end

local function drop_reservation(id)
  redis.call('HDEL', RESERVATIONS, id)
  redis.call('ZREM', EXPIRIES, id)
end

-- The reference's chargeExpired: a reservation at or past its expiry is spent at its reserved amount.
local function charge_expired(now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', EXPIRIES, '-inf', fmt(now))) do
    local r = read_reservation(id)
    for _, bucket in ipairs(buckets_of(r)) do
      add('r', bucket, r.amount, -1)
      add('s', bucket, r.amount, 1)
    end
    drop_reservation(id)
  end
end
