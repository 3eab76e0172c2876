--[[
  Replaces a job's checkpoint under its current lease, with the stage and counts it names; a saved
  checkpoint is progress, so the job's attempts start again from 0.

  Input:
    KEYS[1]  the queue's ready set (routes the call to the queue's slot)

    ARGV[1..3]  see includes/coordination
    ARGV[4]  job id
    ARGV[5]  tenant
    ARGV[6]  the lease's epoch
    ARGV[7]  checkpoint (JSON)
    ARGV[8]  the checkpoint's stage
    ARGV[9]  the checkpoint's counts (JSON)

  Output:
    {0}
    {1, current epoch or -1}  the lease is not current (fenced)
]]
--- @include "includes/coordination"
local id = ARGV[4]
local tenant = ARGV[5]
local epoch = ARGV[6]
local checkpointJson = ARGV[7]
local stage = ARGV[8]
local countsJson = ARGV[9]

local bad = fence(id, tenant, epoch)
if bad then return bad end
local now = now_ms()
redis.call('SET', cpk(id), checkpointJson)
redis.call('HSET', jk(id), 'stage', stage, 'counts', countsJson, 'attempts', 0, 'updatedAt', now)
return {0}
