--[[
  Replaces the caps of a tenant (its months) or of one of its jobs (its whole life), as the memory
  ledger's setCaps; a unit left out has no cap.

  Input:
    KEYS[1]  the tenant's caps (see includes/ledger)

    ARGV[1]  the caps key: 't' for the tenant, 'j:<jobId>' for a job
    ARGV[2]  the microUsd cap, '' for none
    ARGV[3]  the tokens cap, '' for none

  Output:
    1
]]
local capsKey = ARGV[1]
local microUsd = ARGV[2]
local tokens = ARGV[3]

local caps = KEYS[1]
redis.call('HDEL', caps, 'microUsd:' .. capsKey, 'tokens:' .. capsKey)
if microUsd ~= '' then redis.call('HSET', caps, 'microUsd:' .. capsKey, microUsd) end
if tokens ~= '' then redis.call('HSET', caps, 'tokens:' .. capsKey, tokens) end
return 1
