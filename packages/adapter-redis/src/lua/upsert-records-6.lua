--[[
  Writes a batch of records of one kind for a job, in the tenant's record slot: each record's data,
  its id in the tenant's index and in the job's membership (counting a reference the first time the
  job holds it), and the job in the set of jobs with a membership. On a single Redis the write is
  fenced by the job's epoch; on a Cluster the job's key is in another slot and the write is unfenced.

  Input:
    KEYS[1]  HASH id -> encoded record
    KEYS[2]  ZSET of the tenant's record ids
    KEYS[3]  ZSET of the record ids the job produced (its membership)
    KEYS[4]  HASH id -> number of jobs whose membership holds the record
    KEYS[5]  SET of job ids that have a membership
    KEYS[6]  the job's hash when fenced, else KEYS[1] again (unread)

    ARGV[1]  '1' fenced, '0' unfenced
    ARGV[2]  tenant
    ARGV[3]  the lease's epoch
    ARGV[4]  job id
    ARGV[5..] pairs of record id, encoded record

  Output:
    {0}
    {1, current epoch or -1}  fenced, and the lease is not current
]]
local dataKey = KEYS[1]
local idsKey = KEYS[2]
local membershipKey = KEYS[3]
local refsKey = KEYS[4]
local jobsKey = KEYS[5]
local jobKey = KEYS[6]
local fenced = ARGV[1] == '1'
local tenant = ARGV[2]
local epoch = ARGV[3]
local jobId = ARGV[4]
local FIRST_RECORD = 5

if fenced then
  local f = redis.call('HMGET', jobKey, 'tenant', 'epoch', 'status')
  if f[1] ~= tenant then return {1, -1} end
  if tonumber(f[2]) ~= tonumber(epoch) or f[3] ~= 'running' then return {1, tonumber(f[2])} end
end
for i = FIRST_RECORD, #ARGV, 2 do
  local id = ARGV[i]
  redis.call('HSET', dataKey, id, ARGV[i + 1])
  redis.call('ZADD', idsKey, 0, id)
  if redis.call('ZADD', membershipKey, 0, id) == 1 then redis.call('HINCRBY', refsKey, id, 1) end
end
redis.call('SADD', jobsKey, jobId)
return {0}
