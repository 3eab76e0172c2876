import { LUA_PRELUDE } from "./lua-prelude.js";

/** A Lua script registered on the client with `defineCommand` (EVALSHA, reloaded on NOSCRIPT). */
export interface RedisScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

// Coordination scripts take KEYS[1] = the queue's ready set (it routes the call to the queue's slot)
// and build every other key from ARGV[1], all under the same hash tag.
const coordination = (name: string, body: string): RedisScript => ({
  name: `threadmill_${name}`,
  numberOfKeys: 1,
  lua: `${LUA_PRELUDE}\n${body}`,
});

/** Every Lua script of the adapter; each port operation is one of these, one round trip. */
export const REDIS_SCRIPTS = {
  create: coordination(
    "create_v1",
    `
local id, tenant = ARGV[4], ARGV[5]
local idem, single = ARGV[9], ARGV[10]
if idem ~= '' then
  local existing = redis.call('GET', ik(tenant, idem))
  if existing and redis.call('EXISTS', jk(existing)) == 1 then
    return {0, 0, redis.call('HGETALL', jk(existing))}
  end
end
if single ~= '' then
  local holder = redis.call('GET', sk(tenant, single))
  if holder then
    local st = redis.call('HGET', jk(holder), 'status')
    if st == 'queued' or st == 'running' then return {2, holder} end
  end
end
local now = now_ms()
local runAt = now
if ARGV[13] ~= '' then runAt = tonumber(ARGV[13]) end
local j = jk(id)
redis.call('HSET', j, 'id', id, 'tenant', tenant, 'pipeline', ARGV[6], 'input', ARGV[7], 'options', ARGV[8],
  'priority', ARGV[11], 'maxAttempts', ARGV[12], 'status', 'queued', 'attempts', 0, 'epoch', 0,
  'runAt', runAt, 'cancel', 0, 'counts', '{}', 'createdAt', now, 'updatedAt', now)
if idem ~= '' then
  redis.call('HSET', j, 'idem', idem)
  redis.call('SET', ik(tenant, idem), id)
end
if single ~= '' then
  redis.call('HSET', j, 'single', single)
  redis.call('SET', sk(tenant, single), id)
end
redis.call('ZADD', tk(tenant), 0, id)
enqueue(id, runAt, now)
return {0, 1, redis.call('HGETALL', j)}
`,
  ),

  claim: coordination(
    "claim_v2",
    `
local now = now_ms()
local worker, leaseMs = ARGV[4], tonumber(ARGV[5])
if ARGV[7] ~= '' then
  local id = ARGV[7]
  local f = redis.call('HMGET', jk(id), 'tenant', 'status', 'runAt', 'leaseExp')
  if f[1] ~= ARGV[6] then return {3} end
  if (f[2] == 'queued' and tonumber(f[3]) <= now) or (f[2] == 'running' and tonumber(f[4]) <= now) then
    dequeue(id)
    return take(id, worker, leaseMs, now)
  end
  return {3}
end
return claim_next(worker, leaseMs, now)
`,
  ),

  extend: coordination(
    "extend_v2",
    `
local id = ARGV[4]
local bad = fence(id, ARGV[5], ARGV[6])
if bad then return bad end
local now = now_ms()
local lease = now + tonumber(ARGV[7])
local j = jk(id)
local m = redis.call('HGET', j, 'qm')
if m then
  redis.call('ZREM', READY, m)
  redis.call('HDEL', j, 'qm')
end
redis.call('HSET', j, 'leaseExp', lease, 'updatedAt', now)
redis.call('ZADD', ACTIVE, lease, id)
return {0, lease, redis.call('HGET', j, 'cancel')}
`,
  ),

  release: coordination(
    "release_v1",
    `
local id, tenant = ARGV[4], ARGV[5]
local bad = fence(id, tenant, ARGV[6])
if bad then return bad end
local now = now_ms()
local runAt = now
if ARGV[7] ~= '' then runAt = tonumber(ARGV[7]) end
local j = jk(id)
redis.call('ZREM', ACTIVE, id)
redis.call('HSET', j, 'status', 'queued', 'runAt', runAt, 'updatedAt', now)
redis.call('HDEL', j, 'workerId', 'leaseExp')
if ARGV[8] ~= '' then redis.call('HSET', j, 'error', ARGV[8]) else redis.call('HDEL', j, 'error') end
enqueue(id, runAt, now)
return {0, redis.call('HGETALL', j)}
`,
  ),

  finish: coordination(
    "finish_v2",
    `
local id, tenant, status = ARGV[4], ARGV[5], ARGV[7]
local epoch = tonumber(ARGV[6])
local j = jk(id)
local now = now_ms()
local f = redis.call('HMGET', j, 'tenant', 'epoch', 'status', 'workerId', 'attempts', 'stage', 'single', 'idem', 'qm')
if f[1] ~= tenant then return {1, -1} end
if tonumber(f[2]) == epoch and f[3] == status and not f[4] then
  -- The same terminal write repeated under the lease that made it (its answer was lost) is a no-op.
  local job = redis.call('HGETALL', j)
  if ARGV[11] ~= '' then return {0, job, claim_next(ARGV[11], tonumber(ARGV[12]), now)} end
  return {0, job}
end
if tonumber(f[2]) ~= epoch or f[3] ~= 'running' then return {1, tonumber(f[2])} end
local e = { type = status, status = status, attempt = tonumber(f[5]) or 0, epoch = epoch, at = now }
if f[6] then e.stage = f[6] end
if ARGV[10] ~= '' then e.message = ARGV[10] end
xadd(id, cjson.encode(e))
if f[9] then redis.call('ZREM', READY, f[9]) end
redis.call('ZREM', ACTIVE, id)
redis.call('HSET', j, 'status', status, 'finishedAt', now, 'updatedAt', now)
if ARGV[8] ~= '' then redis.call('HSET', j, 'result', ARGV[8]) end
if ARGV[9] ~= '' then redis.call('HSET', j, 'error', ARGV[9]) end
redis.call('HDEL', j, 'workerId', 'leaseExp', 'qm')
if f[7] and redis.call('GET', sk(tenant, f[7])) == id then redis.call('DEL', sk(tenant, f[7])) end
if FINISHED_RETENTION > 0 then
  redis.call('PEXPIRE', j, FINISHED_RETENTION)
  redis.call('PEXPIRE', cpk(id), FINISHED_RETENTION)
  redis.call('PEXPIRE', evk(id), FINISHED_RETENTION)
  if f[8] and redis.call('GET', ik(tenant, f[8])) == id then redis.call('PEXPIRE', ik(tenant, f[8]), FINISHED_RETENTION) end
end
local job = redis.call('HGETALL', j)
if ARGV[11] ~= '' then return {0, job, claim_next(ARGV[11], tonumber(ARGV[12]), now)} end
return {0, job}
`,
  ),

  saveCheckpoint: coordination(
    "checkpoint_v1",
    `
local id = ARGV[4]
local bad = fence(id, ARGV[5], ARGV[6])
if bad then return bad end
local now = now_ms()
redis.call('SET', cpk(id), ARGV[7])
redis.call('HSET', jk(id), 'stage', ARGV[8], 'counts', ARGV[9], 'attempts', 0, 'updatedAt', now)
return {0}
`,
  ),

  transition: coordination(
    "transition_v1",
    `
local id = ARGV[4]
local bad = fence(id, ARGV[5], ARGV[6])
if bad then return bad end
local now = now_ms()
local j = jk(id)
if ARGV[7] == '1' then redis.call('HSET', j, 'stage', ARGV[8]) end
if ARGV[9] == 'null' then redis.call('HDEL', j, 'progress') elseif ARGV[9] ~= '' then redis.call('HSET', j, 'progress', ARGV[9]) end
redis.call('HSET', j, 'updatedAt', now)
return {0, redis.call('HGETALL', j)}
`,
  ),

  appendEvent: coordination(
    "append_event_v1",
    `
local id, tenant = ARGV[4], ARGV[5]
if ARGV[6] ~= '' then
  local bad = fence(id, tenant, ARGV[6])
  if bad then return bad end
elseif redis.call('HGET', jk(id), 'tenant') ~= tenant then
  return {1, -1}
end
return {0, xadd(id, ARGV[7])}
`,
  ),

  readEvents: coordination(
    "read_events_v1",
    `
local id, tenant, after = ARGV[4], ARGV[5], ARGV[6]
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
  if ARGV[8] == 'invalid' or before(after, cut) then
    reset = {cut, f[2], f[3] or false, f[4] or false, f[5], f[6], now_ms()}
  else
    start = '(' .. after
  end
end
return {0, redis.call('XRANGE', ev, start, '+', 'COUNT', tonumber(ARGV[7])), reset}
`,
  ),

  requestCancel: coordination(
    "cancel_v1",
    `
local id, tenant = ARGV[4], ARGV[5]
local j = jk(id)
local f = redis.call('HMGET', j, 'tenant', 'status')
if f[1] ~= tenant then return {3} end
local now = now_ms()
if f[2] == 'queued' then
  job_event(id, 'cancelled', 'cancelled', nil, 0, now)
  finish(id, tenant, 'cancelled', now)
elseif f[2] == 'running' then
  redis.call('HSET', j, 'cancel', 1, 'updatedAt', now)
end
return {0, redis.call('HGETALL', j)}
`,
  ),

  retry: coordination(
    "retry_v1",
    `
local id, tenant = ARGV[4], ARGV[5]
local j = jk(id)
local f = redis.call('HMGET', j, 'tenant', 'status', 'single')
if f[1] ~= tenant then return {3} end
if f[2] ~= 'failed' and f[2] ~= 'cancelled' then return {0, redis.call('HGETALL', j)} end
if f[3] then
  local holder = redis.call('GET', sk(tenant, f[3]))
  if holder and holder ~= id then
    local st = redis.call('HGET', jk(holder), 'status')
    if st == 'queued' or st == 'running' then return {2, holder} end
  end
  redis.call('SET', sk(tenant, f[3]), id)
end
local now = now_ms()
redis.call('HSET', j, 'status', 'queued', 'attempts', 0, 'cancel', 0, 'runAt', now, 'updatedAt', now)
redis.call('HDEL', j, 'error', 'finishedAt', 'workerId', 'leaseExp')
keep_alive(id, tenant)
redis.call('ZADD', tk(tenant), 0, id)
enqueue(id, now, now)
return {0, redis.call('HGETALL', j)}
`,
  ),

  listJobs: coordination(
    "list_jobs_v1",
    `
local tenant = ARGV[4]
local t = tk(tenant)
local limit = tonumber(ARGV[6])
local want = nil
if #ARGV >= 7 then
  want = {}
  for i = 7, #ARGV do want[ARGV[i]] = true end
end
local out = {}
local max = '+'
if ARGV[5] ~= '' then max = '(' .. ARGV[5] end
while #out < limit do
  local ids = redis.call('ZREVRANGEBYLEX', t, max, '-', 'LIMIT', 0, 200)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local h = redis.call('HGETALL', jk(id))
    if #h == 0 then
      redis.call('ZREM', t, id)
    else
      local status = nil
      for i = 1, #h, 2 do if h[i] == 'status' then status = h[i + 1] end end
      if want == nil or want[status] then
        out[#out + 1] = h
        if #out >= limit then break end
      end
    end
  end
  max = '(' .. ids[#ids]
end
return out
`,
  ),

  purgeJobs: coordination(
    "purge_jobs_v1",
    `
local tenant = ARGV[4]
local n = 0
for i = 5, #ARGV do
  local id = ARGV[i]
  local j = jk(id)
  local f = redis.call('HMGET', j, 'tenant', 'idem', 'single')
  if f[1] == tenant then
    dequeue(id)
    if f[2] and redis.call('GET', ik(tenant, f[2])) == id then redis.call('DEL', ik(tenant, f[2])) end
    if f[3] and redis.call('GET', sk(tenant, f[3])) == id then redis.call('DEL', sk(tenant, f[3])) end
    redis.call('DEL', j, cpk(id), evk(id))
    n = n + 1
  end
  redis.call('ZREM', tk(tenant), id)
end
return n
`,
  ),

  // Record scripts live in the tenant's record slot. KEYS: data, ids, membership, refs, jobs, and (fenced
  // on a single Redis only) the job's key in the queue's slot.
  upsertRecords: {
    name: "threadmill_upsert_records_v1",
    numberOfKeys: 6,
    lua: `
if ARGV[1] == '1' then
  local f = redis.call('HMGET', KEYS[6], 'tenant', 'epoch', 'status')
  if f[1] ~= ARGV[2] then return {1, -1} end
  if tonumber(f[2]) ~= tonumber(ARGV[3]) or f[3] ~= 'running' then return {1, tonumber(f[2])} end
end
for i = 5, #ARGV, 2 do
  local id = ARGV[i]
  redis.call('HSET', KEYS[1], id, ARGV[i + 1])
  redis.call('ZADD', KEYS[2], 0, id)
  if redis.call('ZADD', KEYS[3], 0, id) == 1 then redis.call('HINCRBY', KEYS[4], id, 1) end
end
redis.call('SADD', KEYS[5], ARGV[4])
return {0}
`,
  },

  listRecords: {
    name: "threadmill_list_records_v1",
    numberOfKeys: 2,
    lua: `
local min = '-'
if ARGV[1] ~= '' then min = '(' .. ARGV[1] end
local ids = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return out
`,
  },

  purgeRecordsOfJob: {
    name: "threadmill_purge_records_v1",
    numberOfKeys: 5,
    lua: `
local members = redis.call('ZRANGE', KEYS[3], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(members) do
  redis.call('ZREM', KEYS[3], id)
  if redis.call('HINCRBY', KEYS[4], id, -1) <= 0 then
    redis.call('HDEL', KEYS[4], id)
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
  end
end
local left = redis.call('ZCARD', KEYS[3])
if left == 0 then redis.call('SREM', KEYS[5], ARGV[1]) end
return {#members, left}
`,
  },
} as const satisfies Record<string, RedisScript>;

/** Names of the adapter's scripts. */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
