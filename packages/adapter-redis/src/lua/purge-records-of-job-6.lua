--[[
  Removes a batch of a job's records from its membership; a record no other job holds any more loses
  its data, its place in the tenant's index and its place in the tenant's library (library membership
  is no reference, so it never keeps a record), unless asked to keep what the library holds
  (retention's cleanup: the library outlives the jobs that filled it). The job leaves the set of
  jobs with a membership when its membership is empty. Called again until nothing is left.

  Input:
    KEYS[1]  HASH id -> encoded record
    KEYS[2]  ZSET of the tenant's record ids
    KEYS[3]  ZSET of the record ids the job produced or holds (its membership)
    KEYS[4]  HASH id -> number of jobs whose membership holds the record
    KEYS[5]  SET of job ids that have a membership
    KEYS[6]  ZSET of the record ids in the tenant's library

    ARGV[1]  job id
    ARGV[2]  most records to remove in this call
    ARGV[3]  '1' keeps a record the tenant's library holds, '0' deletes it too

  Output:
    {records removed from the membership, records left in it}
]]
local dataKey = KEYS[1]
local idsKey = KEYS[2]
local membershipKey = KEYS[3]
local refsKey = KEYS[4]
local jobsKey = KEYS[5]
local libraryKey = KEYS[6]
local jobId = ARGV[1]
local batch = tonumber(ARGV[2])
local keepLibrary = ARGV[3] == '1'

local members = redis.call('ZRANGE', membershipKey, 0, batch - 1)
for _, id in ipairs(members) do
  redis.call('ZREM', membershipKey, id)
  if redis.call('HINCRBY', refsKey, id, -1) <= 0 then
    redis.call('HDEL', refsKey, id)
    if not (keepLibrary and redis.call('ZSCORE', libraryKey, id)) then
      redis.call('HDEL', dataKey, id)
      redis.call('ZREM', idsKey, id)
      redis.call('ZREM', libraryKey, id)
    end
  end
end
local left = redis.call('ZCARD', membershipKey)
if left == 0 then redis.call('SREM', jobsKey, jobId) end
return {#members, left}
