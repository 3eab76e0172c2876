--[[
  Reserves an amount against the tenant's month and the job, all or nothing, a line-for-line port of
  reserveSpend (spend-algorithm.ts): expired reservations are charged first, then the tenant's caps
  are checked (microUsd, then tokens), then the job's; the first that `spent + reserved + amount`
  would pass refuses, and nothing is written but the charging of expired ones.

  Input:
    KEYS[1..4]  the tenant's caps, totals, reservations and expiries (see includes/ledger)

    ARGV[1]  reservation id
    ARGV[2]  '1' when the scope names a job, else '0'
    ARGV[3]  the job id ('' without one)
    ARGV[4]  microUsd (integer >= 0)
    ARGV[5]  tokens (integer >= 0)
    ARGV[6]  ttl in ms

  Output:
    {1, period 'YYYY-MM', expiresAt in epoch ms as a string}            reserved
    {0, 'tenant' | 'job', 'microUsd' | 'tokens', cap, spent, reserved}  refused
]]
--- @include "shared/store-clock"
--- @include "includes/period"
--- @include "includes/ledger"
local id = ARGV[1]
local hasJob = ARGV[2] == '1'
local jobId = ARGV[3]
local microUsd = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local ttlMs = tonumber(ARGV[6])

local now = now_ms()
charge_expired(now)
local amount = {microUsd = microUsd, tokens = tokens}
local period = period_of(now)

-- The reference's refusal(): the first unit whose cap the amount would pass in this bucket.
local function refusal(scope, caps, bucket)
  for _, unit in ipairs(UNITS) do
    local cap = caps[unit]
    if cap ~= nil then
      local spent = total('s', unit, bucket)
      local reserved = total('r', unit, bucket)
      if spent + reserved + amount[unit] > cap then
        return {0, scope, unit, cap, spent, reserved}
      end
    end
  end
  return nil
end

local refused = refusal('tenant', caps_of('t'), 'm:' .. period)
if refused then return refused end
if hasJob then
  refused = refusal('job', caps_of(job_key(jobId)), job_key(jobId))
  if refused then return refused end
end

local r = {amount = amount, period = period, expiresAt = now + ttlMs}
if hasJob then r.jobId = jobId end
for _, bucket in ipairs(buckets_of(r)) do add('r', bucket, amount, 1) end
write_reservation(id, r)
return {1, period, fmt(r.expiresAt)}
