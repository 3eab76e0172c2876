--[[
  Decides a batch of acquires of one limiter, in order, on the store's clock: each is a line-for-line
  port of decideAcquire (rate-limit-algorithm.ts) run on the state the earlier ones left, exactly as
  if they had arrived one after another at the same instant. Per call: GCRA with a cost per rate
  charge (TAT = max(TAT, now) + cost x emission, admitted while TAT - now <= tolerance + EPSILON), a
  hold per concurrency charge, all recorded or none. A batch reads each key once and writes it once,
  and a rule's constants come once per batch, so a busy limiter costs a few commands per batch
  rather than per call. `-n`: the key count varies and the caller passes it (numkeys).

  Input:
    KEYS[k]  the batch's distinct keys, all under the limiter's hash tag: a string holding a TAT
             (rate charge) or a sorted set of hold id -> expiry in epoch ms (concurrency charge)

    ARGV[1]  the number of charge specs, then 4 fields per spec:
             the index of its key in KEYS, then 'r', emissionMs, toleranceMs
                                              or 'c', limit, holdMs
    then     the number of calls, then per call: its hold id, its number of charges, and per charge
             the index of its spec and its cost (ignored for a concurrency charge)

  Output:
    one flat array, per call in order: allowed (1 or 0), retryAfterMs, then per charge the units left
    (after the call when allowed, before it when denied), then how many charges refused and their
    indexes (from 0)
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"

-- Locals, not globals: a global read goes through Redis's protected environment on every use, and
-- this loop runs a few dozen of them per call.
local tonumber, max, min, floor, ceil, huge = tonumber, math.max, math.min, math.floor, math.ceil, math.huge

local now = now_ms()
local tats = {}      -- key index -> TAT, read once
local changed = {}   -- key index -> true when its TAT changed
local dirty = {}     -- those key indexes, in order
local counts = {}    -- key index -> live holds, read once
local oldest = {}    -- key index -> earliest expiry of the holds stored before the batch
local added = {}     -- key index -> {score, member, ...} to ZADD
local addedKeys = {} -- those key indexes, in order
local addedMin = {}  -- key index -> earliest / latest expiry added by the batch
local addedMax = {}

-- The reference's units(): whole units that fit in roomMs.
local function units(roomMs, emissionMs)
  return max(0, floor((roomMs + EPSILON) / emissionMs))
end

local function tat_of(k)
  if tats[k] == nil then tats[k] = get_tat(KEYS[k], now) end
  return tats[k]
end

local function count_of(k)
  if counts[k] == nil then counts[k] = live_holds(KEYS[k], now) end
  return counts[k]
end

-- The earliest live hold: stored before the batch, or added by an earlier call of it.
local function earliest_of(k)
  if oldest[k] == nil then
    local first = redis.call('ZRANGE', KEYS[k], '0', '0', 'WITHSCORES')
    oldest[k] = first[2] and tonumber(first[2]) or huge
  end
  return min(oldest[k], addedMin[k] or huge)
end

local function add_hold(k, holdId, expiresAt)
  counts[k] = counts[k] + 1
  local list = added[k]
  if list == nil then
    list = {}
    added[k] = list
    addedKeys[#addedKeys + 1] = k
  end
  list[#list + 1] = expiresAt
  list[#list + 1] = holdId
  addedMin[k] = min(addedMin[k] or huge, expiresAt)
  addedMax[k] = max(addedMax[k] or 0, expiresAt)
end

-- tonumber costs about 0.3 µs a string; a batch repeats the same few (spec indexes, charge counts,
-- costs), and a table lookup of an interned string is far cheaper.
local parsed = {}
local function num(s)
  local v = parsed[s]
  if v == nil then
    v = tonumber(s)
    parsed[s] = v
  end
  return v
end

local specKey, specRate, specA, specB = {}, {}, {}, {}
local at = 2
for s = 1, tonumber(ARGV[1]) do
  specKey[s] = tonumber(ARGV[at])
  specRate[s] = ARGV[at + 1] == 'r'
  specA[s] = tonumber(ARGV[at + 2])
  specB[s] = tonumber(ARGV[at + 3])
  at = at + 4
end

-- Scratch space reused by every call: units left after / before, refusals, pending writes.
local after, left, denied, writes = {}, {}, {}, {}
local out, o = {}, 0
local calls = tonumber(ARGV[at])
at = at + 1
for _ = 1, calls do
  local holdId, n = ARGV[at], num(ARGV[at + 1])
  at = at + 2
  local nd, nw, retryAfter = 0, 0, 0
  for i = 1, n do
    local s = num(ARGV[at])
    local k, a, b = specKey[s], specA[s], specB[s]
    if specRate[s] then
      local cost = num(ARGV[at + 1])
      local tat = max(tat_of(k), now)
      local nextTat = tat + cost * a
      left[i] = units(b - (tat - now), a)
      if nextTat - now > b + EPSILON then
        nd = nd + 1
        denied[nd] = i - 1
        retryAfter = max(retryAfter, nextTat - now - b)
      else
        after[i] = units(b - (nextTat - now), a)
        if cost > 0 then
          writes[nw + 1], writes[nw + 2] = k, nextTat
          nw = nw + 2
        end
      end
    else
      local size = count_of(k)
      left[i] = max(0, a - size)
      if size + 1 > a then
        nd = nd + 1
        denied[nd] = i - 1
        retryAfter = max(retryAfter, earliest_of(k) - now)
      else
        after[i] = a - size - 1
        writes[nw + 1], writes[nw + 2] = -k, now + b
        nw = nw + 2
      end
    end
    at = at + 2
  end
  local reported = after
  if nd > 0 then
    out[o + 1], out[o + 2] = 0, max(1, ceil(retryAfter))
    reported = left
  else
    out[o + 1], out[o + 2] = 1, 0
    -- Admitted: its writes join the batch's state (a negative key index marks a hold).
    for j = 1, nw, 2 do
      local k = writes[j]
      if k > 0 then
        if not changed[k] then
          changed[k] = true
          dirty[#dirty + 1] = k
        end
        tats[k] = writes[j + 1]
      else
        add_hold(-k, holdId, writes[j + 1])
      end
    end
  end
  o = o + 2
  for i = 1, n do out[o + i] = reported[i] end
  o = o + n + 1
  out[o] = nd
  for j = 1, nd do out[o + j] = denied[j] end
  o = o + nd
end

for _, k in ipairs(dirty) do set_tat(KEYS[k], tats[k], now) end
for _, k in ipairs(addedKeys) do
  redis.call('ZADD', KEYS[k], unpack(added[k]))
  extend_holds(KEYS[k], addedMax[k], now)
end
return out
