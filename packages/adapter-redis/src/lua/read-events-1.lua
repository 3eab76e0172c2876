--[[
  Reads a job's events after a stream id, preceded by a reset (the job's current state) when events
  the reader has not seen were trimmed, or when its id is not one this stream can have returned.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the last stream id the reader saw, '' from the start
    ARGV[7]  most entries to return
    ARGV[8]  'invalid' when the reader's id was not a stream id, else ''

  Output:
    {0, stream entries, reset or nil}  reset = {cut id, status, stage or false, progress or false,
                                      attempts, epoch, now in epoch ms}
    {3}  the job does not exist in this tenant
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local after = ARGV[6]
local limit = tonumber(ARGV[7])
local afterIsInvalid = ARGV[8] == 'invalid'

local f = redis.call('HMGET', jk(id), 'tenant', 'status', 'stage', 'progress', 'attempts', 'epoch', 'evcut')
if f[1] ~= tenant then return {3} end
local ev = evk(id)
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local start = '-'
local reset = false
local cut = f[7] or '0-0'
if after == '' then
  if f[7] then reset = {cut, f[2], f[3] or false, f[4] or false, f[5], f[6], now_ms()} end
else
  if afterIsInvalid or before(after, cut) then
    reset = {cut, f[2], f[3] or false, f[4] or false, f[5], f[6], now_ms()}
  else
    start = '(' .. after
  end
end
return {0, redis.call('XRANGE', ev, start, '+', 'COUNT', limit), reset}
