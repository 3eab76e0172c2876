--[[
  Decides a batch of acquires of one limiter, in order, on the store's clock: each is a line-for-line
  port of decideAcquire (rate-limit-algorithm.ts) run on the state the earlier ones left, exactly as
  if they had arrived one after another at the same instant. Per call: GCRA with a cost per rate
  charge (TAT = max(TAT, now) + cost x emission, admitted while TAT - now <= tolerance + EPSILON), a
  hold per concurrency charge, all recorded or none. A batch reads each key once and writes it once:
  a group's TATs are fields of one hash (HMGET, HSET), so a check costs a few commands whatever the
  number of its dimensions. `-n`: the key count varies and the caller passes it (numkeys).

  The numbers arrive as one string of doubles (struct.unpack reads 10 of them in about 0.2 µs, where
  cjson.decode or tonumber spend 0.2 µs on each) and every name as an ARGV string of its own, in an
  order that lets the script go straight through: its own work, not Redis's commands, was most of a
  check's server time.

  Input:
    KEYS[k]  the batch's distinct keys, all under the limiter's hash tag: a hash of a rate group's
             TATs (field -> TAT in epoch ms) or a sorted set of hold id -> expiry in epoch ms

    ARGV[1]  the struct format of ARGV[2]: '<' and one 'd' per number
    ARGV[2]  little-endian doubles, in this order:
               nHashes, nSlots, nHolds, nSpecs, nTemplates, nCalls
               per hash: its key index, its number of slots (a slot is one TAT: the slots of one hash
                 follow each other)
               per hold set: its key index
               per spec: its slot (> 0) or minus its hold set (< 0), a, b: emissionMs, toleranceMs
                 for a rate spec; limit, holdMs for a concurrency spec
               per template (a distinct charge list of the batch): its length n, then n x (spec, cost)
                 (the cost is ignored for a concurrency spec)
               per call: its template
    ARGV[2 + slot]           the slot's field in its hash
    ARGV[2 + nSlots + call]  the call's hold id

  Output:
    one flat array, per call in order: allowed (1 or 0), retryAfterMs, then per charge the units left
    (after the call when allowed, before it when denied), then how many charges refused and their
    indexes (from 0)
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"

-- Locals, not globals: a global read goes through Redis's protected environment on every use.
local max, ceil, huge = math.max, math.ceil, math.huge

local d = { struct.unpack(ARGV[1], ARGV[2]) }
local nHashes, nSlots, nHolds, nSpecs, nTemplates, nCalls = d[1], d[2], d[3], d[4], d[5], d[6]
local p = 6
local now = now_ms()

-- State, read once per batch: the TAT of each slot, the live holds of each hold set.
local tats = {}
local hashKey, hashFirst, hashLast = {}, {}, {}
local last = 0
for h = 1, nHashes do
  local k, n = d[p + 1], d[p + 2]
  p = p + 2
  local values = redis.call('HMGET', KEYS[k], unpack(ARGV, 3 + last, 2 + last + n))
  for i = 1, n do
    -- A missing field is an empty bucket (TAT = now, as the reference's `?? now`).
    local v = values[i]
    tats[last + i] = v and tonumber(v) or now
  end
  hashKey[h], hashFirst[h], hashLast[h] = KEYS[k], last + 1, last + n
  last = last + n
end
local holdKey, counts = {}, {}
for j = 1, nHolds do
  local key = KEYS[d[p + j]]
  holdKey[j] = key
  counts[j] = live_holds(key, now)
end
p = p + nHolds
local specRef, specA, specB = {}, {}, {}
for s = 1, nSpecs do
  specRef[s], specA[s], specB[s] = d[p + 1], d[p + 2], d[p + 3]
  p = p + 3
end
local templateAt, templateLength = {}, {}
for t = 1, nTemplates do
  local n = d[p + 1]
  templateAt[t], templateLength[t] = p + 1, n
  p = p + 1 + 2 * n
end
local callsAt = p

-- The earliest live hold of hold set j: stored before the batch, or added by an earlier call of it.
local oldest, addedMin = {}, {}
local function earliest_of(j)
  if oldest[j] == nil then
    local first = redis.call('ZRANGE', holdKey[j], '0', '0', 'WITHSCORES')
    oldest[j] = first[2] and tonumber(first[2]) or huge
  end
  local added = addedMin[j] or huge
  return oldest[j] < added and oldest[j] or added
end

-- Units left: the reference's units(), whole units that fit in roomMs. Inline arithmetic (x - x % 1
-- is floor(x) for x >= 1, exactly).
local function units(roomMs, emissionMs)
  local x = (roomMs + EPSILON) / emissionMs
  if x < 1 then return 0 end
  return x - x % 1
end

local out, o = {}, 0
local changed = {}                     -- slot -> true once an admitted call moved its TAT
local added, addedMax = {}, {}         -- hold set -> {score, member, ...} to ZADD; latest expiry
local denied, writes = {}, {}          -- scratch space reused by every call
for c = 1, nCalls do
  local at, n = templateAt[d[callsAt + c]], templateLength[d[callsAt + c]]
  local nd, nw, retryAfter = 0, 0, 0
  -- Units left after each charge go straight into the reply; a refusal overwrites them below.
  for i = 1, n do
    local s, cost = d[at + 2 * i - 1], d[at + 2 * i]
    local ref, a, b = specRef[s], specA[s], specB[s]
    if ref > 0 then
      local tat = tats[ref]
      if tat < now then tat = now end
      local nextTat = tat + cost * a
      if nextTat - now > b + EPSILON then
        nd = nd + 1
        denied[nd] = i - 1
        if nextTat - now - b > retryAfter then retryAfter = nextTat - now - b end
      else
        out[o + 2 + i] = units(b - (nextTat - now), a)
        if cost > 0 then
          writes[nw + 1], writes[nw + 2] = ref, nextTat
          nw = nw + 2
        end
      end
    else
      local size = counts[-ref]
      if size + 1 > a then
        nd = nd + 1
        denied[nd] = i - 1
        local wait = earliest_of(-ref) - now
        if wait > retryAfter then retryAfter = wait end
      else
        out[o + 2 + i] = a - size - 1
        writes[nw + 1], writes[nw + 2] = ref, now + b
        nw = nw + 2
      end
    end
  end
  if nd > 0 then
    out[o + 1], out[o + 2] = 0, max(1, ceil(retryAfter))
    -- The units each charge has now: it took nothing.
    for i = 1, n do
      local s = d[at + 2 * i - 1]
      local ref, a, b = specRef[s], specA[s], specB[s]
      if ref > 0 then
        local tat = tats[ref]
        if tat < now then tat = now end
        out[o + 2 + i] = units(b - (tat - now), a)
      else
        local free = a - counts[-ref]
        out[o + 2 + i] = free > 0 and free or 0
      end
    end
  else
    out[o + 1], out[o + 2] = 1, 0
    -- Admitted: its writes join the batch's state.
    for w = 1, nw, 2 do
      local ref, value = writes[w], writes[w + 1]
      if ref > 0 then
        tats[ref], changed[ref] = value, true
      else
        local j = -ref
        counts[j] = counts[j] + 1
        local list = added[j]
        if list == nil then
          list = {}
          added[j] = list
        end
        list[#list + 1] = value
        list[#list + 1] = ARGV[2 + nSlots + c]
        if value < (addedMin[j] or huge) then addedMin[j] = value end
        if value > (addedMax[j] or 0) then addedMax[j] = value end
      end
    end
  end
  o = o + n + 3
  out[o] = nd
  for j = 1, nd do out[o + j] = denied[j] end
  o = o + nd
end

-- One HSET per hash of the TATs that moved (an admitted charge only moves a TAT past now).
for h = 1, nHashes do
  local args, latest = {}, 0
  for slot = hashFirst[h], hashLast[h] do
    if changed[slot] then
      args[#args + 1] = ARGV[2 + slot]
      args[#args + 1] = tats[slot]
      if tats[slot] > latest then latest = tats[slot] end
    end
  end
  if latest > 0 then
    redis.call('HSET', hashKey[h], unpack(args))
    extend_ttl(hashKey[h], latest, now)
  end
end
for j = 1, nHolds do
  local list = added[j]
  if list ~= nil then
    -- Holds added by one batch mostly end at one time: redis.call writes a number argument out
    -- anew each time (about half a microsecond), so a repeated score goes as text made once.
    if #list > 2 then
      local text = {}
      for i = 1, #list, 2 do
        local score = list[i]
        local t = text[score]
        if t == nil then
          t = fmt(score)
          text[score] = t
        end
        list[i] = t
      end
    end
    redis.call('ZADD', holdKey[j], unpack(list))
    extend_ttl(holdKey[j], addedMax[j], now)
  end
end
return out
