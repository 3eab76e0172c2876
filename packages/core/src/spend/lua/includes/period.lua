--[[
  Included by the spend ledger's scripts (their `@include` line): period_of(ms), the UTC calendar
  month of an epoch-ms time as 'YYYY-MM', equal to spendPeriod (spend-period.ts). Redis's Lua has no
  os.date, so it counts days to a civil date with Howard Hinnant's civil_from_days. Pure: no Redis call.

  Input:
    none
]]
local function period_of(ms)
  -- Date truncates fractional ms (toward zero) first, which keeps a month's last microsecond in it.
  local whole = ms >= 0 and math.floor(ms) or math.ceil(ms)
  local days = math.floor(whole / 86400000)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400
  if month <= 2 then year = year + 1 end
  return string.format('%04d-%02d', year, month)
end
