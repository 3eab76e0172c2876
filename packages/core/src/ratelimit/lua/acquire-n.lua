--[[
  Decides a batch of acquires of one limiter, in order, on the store's clock: each is a line-for-line
  port of decideAcquire (rate-limit-algorithm.ts) run on the state the earlier ones left, exactly as
  if they had arrived one after another at the same instant. Per call: GCRA with a cost per rate
  charge (TAT = max(TAT, now) + cost x emission, admitted while TAT - now <= tolerance + EPSILON), a
  hold per concurrency charge, all recorded or none. A batch reads each key once and writes it once:
  a group's TATs are fields of one hash (HMGET, HSET), so a check costs a few commands whatever the
  number of its dimensions. `-n`: the key count varies and the caller passes it (numkeys).

  Input:
    KEYS[k]  the batch's distinct keys, all under the limiter's hash tag: a hash of a rate group's
             TATs (field -> TAT in epoch ms) or a sorted set of hold id -> expiry in epoch ms

    ARGV[1]  JSON (decoded in C, so nothing is parsed in Lua): [specs, templates, calls]
             specs      5 numbers per charge spec, flat: 1 (rate), key index, field, emissionMs,
                        toleranceMs; or 0 (concurrency), key index, 0, limit, holdMs
             templates  the distinct charge lists of the batch, each flat: spec index, cost, ...
                        (the cost is ignored for a concurrency spec)
             calls      2 per call, flat: its hold id, its template's index

  Output:
    one flat array, per call in order: allowed (1 or 0), retryAfterMs, then per charge the units left
    (after the call when allowed, before it when denied), then how many charges refused and their
    indexes (from 0)
]]
--- @include "shared/store-clock"
--- @include "includes/gcra"

-- Locals, not globals: a global read goes through Redis's protected environment on every use.
local max, min, ceil, huge = math.max, math.min, math.ceil, math.huge

local input = cjson.decode(ARGV[1])
local specs, templates, calls = input[1], input[2], input[3]
local now = now_ms()

-- State, read once per batch. A rate spec points at a slot (its hash and field); specs of one slot
-- share its TAT. A concurrency spec points at its key's live hold count.
local slotOf = {}    -- spec index -> rate slot, or concurrency key index
local isRate, specA, specB = {}, {}, {} -- spec index -> its kind and constants, out of the flat list
local tats = {}      -- slot -> TAT
local slotKey, slotField = {}, {}
local counts = {}    -- key index -> live holds
local oldest = {}    -- key index -> earliest expiry of the holds stored before the batch
local added = {}     -- key index -> {score, member, ...} to ZADD
local addedKeys = {} -- those key indexes, in order
local addedMin, addedMax = {}, {}

do
  local slotByName = {}
  local fieldsOf, slotsOf, hashes = {}, {}, {}
  for s = 1, #specs / 5 do
    local at = s * 5 - 4
    local k = specs[at + 1]
    isRate[s], specA[s], specB[s] = specs[at] == 1, specs[at + 3], specs[at + 4]
    if isRate[s] then
      local field = specs[at + 2]
      local name = k .. '\0' .. field
      local slot = slotByName[name]
      if slot == nil then
        slot = #slotKey + 1
        slotByName[name], slotKey[slot], slotField[slot] = slot, k, field
        if fieldsOf[k] == nil then
          fieldsOf[k], slotsOf[k] = {}, {}
          hashes[#hashes + 1] = k
        end
        fieldsOf[k][#fieldsOf[k] + 1] = field
        slotsOf[k][#slotsOf[k] + 1] = slot
      end
      slotOf[s] = slot
    else
      slotOf[s] = k
      if counts[k] == nil then counts[k] = live_holds(KEYS[k], now) end
    end
  end
  for _, k in ipairs(hashes) do
    local values = redis.call('HMGET', KEYS[k], unpack(fieldsOf[k]))
    for i, slot in ipairs(slotsOf[k]) do
      -- A missing field is an empty bucket (TAT = now, as the reference's `?? now`).
      tats[slot] = values[i] and tonumber(values[i]) or now
    end
  end
end

-- The earliest live hold: stored before the batch, or added by an earlier call of it.
local function earliest_of(k)
  if oldest[k] == nil then
    local first = redis.call('ZRANGE', KEYS[k], '0', '0', 'WITHSCORES')
    oldest[k] = first[2] and tonumber(first[2]) or huge
  end
  return min(oldest[k], addedMin[k] or huge)
end

-- The list of `k` in `lists`, created on first use with `k` appended to `order`: writes grouped by
-- key, each key once, in the order first seen.
local function list_of(lists, order, k)
  local list = lists[k]
  if list == nil then
    list = {}
    lists[k] = list
    order[#order + 1] = k
  end
  return list
end

-- Every hold a batch adds to one key ends at the same time (now + holdMs): its score is written out
-- once, since redis.call formats a number argument anew each time (about half a microsecond).
local scoreText = {}
local function add_hold(k, holdId, expiresAt)
  counts[k] = counts[k] + 1
  local list = list_of(added, addedKeys, k)
  local text = scoreText[expiresAt]
  if text == nil then
    text = fmt(expiresAt)
    scoreText[expiresAt] = text
  end
  list[#list + 1] = text
  list[#list + 1] = holdId
  if expiresAt < (addedMin[k] or huge) then addedMin[k] = expiresAt end
  if expiresAt > (addedMax[k] or 0) then addedMax[k] = expiresAt end
end

local out, o = {}, 0

-- Units left after a charge, or before it when the call is refused: the reference's units(), whole
-- units that fit in roomMs. Inline arithmetic (x - x % 1 is floor(x) for x >= 1, exactly): a batch
-- runs this per charge per call, and a call of a Lua or C function costs more than the sum.
local function units(roomMs, emissionMs)
  local x = (roomMs + EPSILON) / emissionMs
  if x < 1 then return 0 end
  return x - x % 1
end

-- Fills out[o + 1 ..] with the units each charge of a refused call has now (it took nothing).
local function report_left(template, n, o)
  for i = 1, n do
    local s = template[2 * i - 1]
    local a, b, slot = specA[s], specB[s], slotOf[s]
    if isRate[s] then
      local tat = tats[slot]
      if tat < now then tat = now end
      out[o + i] = units(b - (tat - now), a)
    else
      local free = a - counts[slot]
      out[o + i] = free > 0 and free or 0
    end
  end
end

local changed = {}   -- slot -> true when its TAT changed
local dirty = {}     -- those slots, in order
local denied, writes = {}, {} -- scratch space reused by every call
for c = 1, #calls, 2 do
  local holdId, template = calls[c], templates[calls[c + 1]]
  local n = #template / 2
  local nd, nw, retryAfter = 0, 0, 0
  -- Units left after each charge go straight into the reply; a refusal overwrites them below.
  for i = 1, n do
    local s, cost = template[2 * i - 1], template[2 * i]
    local a, b, slot = specA[s], specB[s], slotOf[s]
    if isRate[s] then
      local tat = tats[slot]
      if tat < now then tat = now end
      local nextTat = tat + cost * a
      if nextTat - now > b + EPSILON then
        nd = nd + 1
        denied[nd] = i - 1
        if nextTat - now - b > retryAfter then retryAfter = nextTat - now - b end
      else
        out[o + 2 + i] = units(b - (nextTat - now), a)
        if cost > 0 then
          writes[nw + 1], writes[nw + 2] = slot, nextTat
          nw = nw + 2
        end
      end
    else
      local size = counts[slot]
      if size + 1 > a then
        nd = nd + 1
        denied[nd] = i - 1
        local wait = earliest_of(slot) - now
        if wait > retryAfter then retryAfter = wait end
      else
        out[o + 2 + i] = a - size - 1
        writes[nw + 1], writes[nw + 2] = -slot, now + b
        nw = nw + 2
      end
    end
  end
  if nd > 0 then
    out[o + 1], out[o + 2] = 0, max(1, ceil(retryAfter))
    report_left(template, n, o + 2)
  else
    out[o + 1], out[o + 2] = 1, 0
    -- Admitted: its writes join the batch's state (a negative index marks a hold's key).
    for j = 1, nw, 2 do
      local slot = writes[j]
      if slot > 0 then
        if not changed[slot] then
          changed[slot] = true
          dirty[#dirty + 1] = slot
        end
        tats[slot] = writes[j + 1]
      else
        add_hold(-slot, holdId, writes[j + 1])
      end
    end
  end
  o = o + n + 3
  out[o] = nd
  for j = 1, nd do out[o + j] = denied[j] end
  o = o + nd
end

-- One HSET per hash of the changed TATs (an admitted charge only moves a TAT past now).
local sets, latest, order = {}, {}, {}
for _, slot in ipairs(dirty) do
  local k = slotKey[slot]
  local list = list_of(sets, order, k)
  list[#list + 1] = slotField[slot]
  list[#list + 1] = tats[slot]
  latest[k] = max(latest[k] or 0, tats[slot])
end
for _, k in ipairs(order) do
  redis.call('HSET', KEYS[k], unpack(sets[k]))
  extend_ttl(KEYS[k], latest[k], now)
end
for _, k in ipairs(addedKeys) do
  redis.call('ZADD', KEYS[k], unpack(added[k]))
  extend_ttl(KEYS[k], addedMax[k], now)
end
return out
