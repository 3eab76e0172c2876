--[[
  Changes memberships of records the tenant already has, in one step, in the tenant's record slot:
  the job comes to hold some records (its membership, counting a reference the first time, as an
  upsert does, without rewriting them), and records enter or leave the tenant's library (no reference:
  the refs hash is never touched for it). A record that leaves the library with no job referencing it
  (retention's cleanup kept it only for the library) loses its data and its place in the tenant's
  index, so replaced versions do not pile up. Ids missing from the data hash are skipped. Holds run
  first, then removals, then additions: an id in both library lists ends in the library unless its
  removal deleted it. On a single Redis the change is fenced by the job's epoch, exactly as an upsert;
  on a Cluster it is unfenced.

  Input:
    KEYS[1]  HASH id -> encoded record
    KEYS[2]  ZSET of the tenant's record ids
    KEYS[3]  ZSET of the record ids the job produced or holds (its membership)
    KEYS[4]  HASH id -> number of jobs whose membership holds the record
    KEYS[5]  SET of job ids that have a membership
    KEYS[6]  ZSET of the record ids in the tenant's library
    KEYS[7]  the job's hash when fenced, else KEYS[1] again (unread)

    ARGV[1]  '1' fenced, '0' unfenced
    ARGV[2]  tenant
    ARGV[3]  the lease's epoch
    ARGV[4]  job id
    ARGV[5]  how many ids to hold (h)
    ARGV[6]  how many ids to add to the library (a)
    ARGV[7..] h ids to hold, then a ids to add to the library, then the ids to remove from it

  Output:
    {0}
    {1, current epoch or -1}  fenced, and the lease is not current
]]
local dataKey = KEYS[1]
local idsKey = KEYS[2]
local membershipKey = KEYS[3]
local refsKey = KEYS[4]
local jobsKey = KEYS[5]
local libraryKey = KEYS[6]
local jobKey = KEYS[7]
local fenced = ARGV[1] == '1'
local tenant = ARGV[2]
local epoch = ARGV[3]
local jobId = ARGV[4]
local holdCount = tonumber(ARGV[5])
local addCount = tonumber(ARGV[6])
local FIRST_ID = 7

if fenced then
  local f = redis.call('HMGET', jobKey, 'tenant', 'epoch', 'status')
  if f[1] ~= tenant then return {1, -1} end
  if tonumber(f[2]) ~= tonumber(epoch) or f[3] ~= 'running' then return {1, tonumber(f[2])} end
end
local firstAdd = FIRST_ID + holdCount
local firstRemove = firstAdd + addCount
local held = false
for i = FIRST_ID, firstAdd - 1 do
  local id = ARGV[i]
  if redis.call('HEXISTS', dataKey, id) == 1 then
    if redis.call('ZADD', membershipKey, 0, id) == 1 then redis.call('HINCRBY', refsKey, id, 1) end
    held = true
  end
end
if held then redis.call('SADD', jobsKey, jobId) end
for i = firstRemove, #ARGV do
  local id = ARGV[i]
  -- Held by no job (its jobs were cleaned up), the library was all that kept it.
  if redis.call('ZREM', libraryKey, id) == 1 and (tonumber(redis.call('HGET', refsKey, id)) or 0) <= 0 then
    redis.call('HDEL', dataKey, id)
    redis.call('HDEL', refsKey, id)
    redis.call('ZREM', idsKey, id)
  end
end
for i = firstAdd, firstRemove - 1 do
  local id = ARGV[i]
  if redis.call('HEXISTS', dataKey, id) == 1 then redis.call('ZADD', libraryKey, 0, id) end
end
return {0}
