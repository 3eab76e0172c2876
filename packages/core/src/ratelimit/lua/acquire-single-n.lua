--[[
  Decides one acquire on the store's clock: acquire-n.lua for a batch of one call, which is every
  call of a lone caller. The same decision (a line-for-line port of decideAcquire in
  rate-limit-algorithm.ts), in straight-line code: no per-batch tables of specs, templates and slots,
  which cost a batch of one more than Redis's own commands do. Per rate charge GCRA with a cost
  (TAT = max(TAT, now) + cost x emission, admitted while TAT - now <= tolerance + EPSILON), per
  concurrency charge a hold, all recorded or none. `-n`: the caller passes the key count (numkeys).

  Input:
    KEYS[1..nHashes]            the hashes of the call's rate groups (field -> TAT in epoch ms)
    KEYS[nHashes + j]           the sorted set of hold id -> expiry in epoch ms of hold charge j
                                (a key may come twice when two charges name it)

    ARGV[1]  the struct format of ARGV[2]: '<' and one 'd' per number
    ARGV[2]  little-endian doubles, in this order:
               nHashes, nHolds, nCharges
               per hash: its number of rate charges n, then n x (charge index from 0, emissionMs,
                 toleranceMs, cost), the charges in the order the call gives them
               per hold charge: its charge index from 0, limit, holdMs
    ARGV[3]            the call's hold id
    ARGV[3 + field]    the rate charges' fields in their hashes, in the order of the doubles

  Output:
    what acquire-n.lua replies for one call: allowed (1 or 0), retryAfterMs, then per charge in the
    call's order the units left (after the call when allowed, before it when denied), then how many
    charges refused and their indexes (from 0, ascending)
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"

local max, ceil, huge = math.max, math.ceil, math.huge

local d = { struct.unpack(ARGV[1], ARGV[2]) }
local nHashes, nHolds, nCharges = d[1], d[2], d[3]
local now = now_ms()

-- Units left: the reference's units(), whole units that fit in roomMs (x - x % 1 is floor(x) for
-- x >= 1, exactly).
local function units(roomMs, emissionMs)
  local x = (roomMs + EPSILON) / emissionMs
  if x < 1 then return 0 end
  return x - x % 1
end

local out = { 1, 0 }
local nd, retryAfter = 0, 0
local denied = {}
-- Per charge (index + 1): where its numbers start in d, and its TAT or live hold count before the call.
local at, was = {}, {}
-- Per hash: the HSET arguments of the TATs an admission moves, and the latest of them.
local moves, latest = {}, {}

local p, f = 3, 3
for h = 1, nHashes do
  local n = d[p + 1]
  p = p + 1
  local values = redis.call('HMGET', KEYS[h], unpack(ARGV, f + 1, f + n))
  local args, last = nil, 0
  for i = 1, n do
    local c, a, b, cost = d[p + 1], d[p + 2], d[p + 3], d[p + 4]
    -- A missing field is an empty bucket (TAT = now, as the reference's `?? now`).
    local v = values[i]
    local tat = v and tonumber(v) or now
    if tat < now then tat = now end
    local nextTat = tat + cost * a
    at[c + 1], was[c + 1] = p, tat
    if nextTat - now > b + EPSILON then
      nd = nd + 1
      denied[nd] = c
      if nextTat - now - b > retryAfter then retryAfter = nextTat - now - b end
    else
      out[c + 3] = units(b - (nextTat - now), a)
      if cost > 0 then
        if args == nil then args = {} end
        args[#args + 1] = ARGV[f + i]
        args[#args + 1] = nextTat
        if nextTat > last then last = nextTat end
      end
    end
    p = p + 4
  end
  moves[h], latest[h] = args, last
  f = f + n
end

local holdsAt = p
for j = 1, nHolds do
  local c, a = d[p + 1], d[p + 2]
  local key = KEYS[nHashes + j]
  local size = live_holds(key, now)
  at[c + 1], was[c + 1] = p, size
  if size + 1 > a then
    nd = nd + 1
    denied[nd] = c
    local first = redis.call('ZRANGE', key, '0', '0', 'WITHSCORES')
    local wait = (first[2] and tonumber(first[2]) or huge) - now
    if wait > retryAfter then retryAfter = wait end
  else
    out[c + 3] = a - size - 1
  end
  p = p + 3
end

if nd > 0 then
  out[1], out[2] = 0, max(1, ceil(retryAfter))
  -- The units each charge has now: it took nothing. A hold charge's numbers start at or after holdsAt.
  for c = 1, nCharges do
    local q = at[c]
    if q < holdsAt then
      out[c + 2] = units(d[q + 3] - (was[c] - now), d[q + 2])
    else
      local free = d[q + 2] - was[c]
      out[c + 2] = free > 0 and free or 0
    end
  end
  if nd > 1 then table.sort(denied) end
else
  for h = 1, nHashes do
    if moves[h] ~= nil then
      redis.call('HSET', KEYS[h], unpack(moves[h]))
      extend_ttl(KEYS[h], latest[h], now)
    end
  end
  for j = 1, nHolds do
    local expiresAt = now + d[holdsAt + 3 * j]
    redis.call('ZADD', KEYS[nHashes + j], expiresAt, ARGV[3])
    extend_ttl(KEYS[nHashes + j], expiresAt, now)
  end
end
out[nCharges + 3] = nd
for i = 1, nd do out[nCharges + 3 + i] = denied[i] end
return out
