--[[
  Included by the rate limiter's and the spend ledger's scripts (their `@include "shared/store-clock"`
  line): the store's clock and the exact text of a double.

  Input:
    none
]]
-- Milliseconds as a double with the microseconds, on the server's clock (never the caller's).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- Lua 5.1's tostring keeps 14 significant digits; 17 give back the very same double. For text a
-- script builds itself (a concatenated record, a reply). A number handed to redis.call needs none:
-- the server writes it exactly itself ("%.17g", or the shortest exact form from 7.2), and
-- string.format costs about a microsecond a call.
local function fmt(x)
  return string.format('%.17g', x)
end
