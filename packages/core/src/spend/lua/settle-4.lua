--[[
  Replaces a reservation's reserved amount with what was really spent, a line-for-line port of
  settleSpend (spend-algorithm.ts): expired reservations are charged first, so one that ran out is
  no longer there to settle.

  Input:
    KEYS[1..4]  the tenant's caps, totals, reservations and expiries (see includes/ledger)

    ARGV[1]  reservation id
    ARGV[2]  actual microUsd (integer >= 0)
    ARGV[3]  actual tokens (integer >= 0)

  Output:
    1  settled
    0  not held (settled before, or expired and charged at its reserved amount)
]]
--- @include "shared/store-clock"
--- @include "includes/ledger"
local id = ARGV[1]
local microUsd = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])

local now = now_ms()
charge_expired(now)
local r = read_reservation(id)
if not r then return 0 end
local actual = {microUsd = microUsd, tokens = tokens}
for _, bucket in ipairs(buckets_of(r)) do
  add('r', bucket, r.amount, -1)
  add('s', bucket, actual, 1)
end
drop_reservation(id)
return 1
