--[[
  The totals of a tenant's current month or of a job's whole life, a line-for-line port of readSpend
  (spend-algorithm.ts): expired reservations are charged first.

  Input:
    KEYS[1..4]  the tenant's caps, totals, reservations and expiries (see includes/ledger)

    ARGV[1]  '1' to read the job's totals, '0' the tenant's month
    ARGV[2]  the job id ('' without one)

  Output:
    {spent microUsd, spent tokens, reserved microUsd, reserved tokens,
     microUsd cap or '', tokens cap or '', period 'YYYY-MM' or '' for a job}
]]
--- @include "shared/store-clock"
--- @include "includes/period"
--- @include "includes/ledger"
local isJob = ARGV[1] == '1'
local jobId = ARGV[2]

local now = now_ms()
charge_expired(now)
local period = ''
local bucket
local caps
if isJob then
  bucket = job_key(jobId)
  caps = caps_of(job_key(jobId))
else
  period = period_of(now)
  bucket = 'm:' .. period
  caps = caps_of('t')
end
local capMicroUsd = caps.microUsd and fmt(caps.microUsd) or ''
local capTokens = caps.tokens and fmt(caps.tokens) or ''
return {
  total('s', 'microUsd', bucket), total('s', 'tokens', bucket),
  total('r', 'microUsd', bucket), total('r', 'tokens', bucket),
  capMicroUsd, capTokens, period,
}
