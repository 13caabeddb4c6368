/**
 * The Lua scripts that make celeriac's Redis operations atomic. Each is registered on an
 * ioredis client with `defineCommand`, so it runs by EVALSHA and is pipelined like any
 * other command.
 */
import type { Redis } from 'ioredis';

/**
 * Atomic take: pop up to `limit` messages, priority-major and round-robin over queues
 * (kombu's BRPOP key order), and record each in `unacked` + `unacked_index` in the same
 * script, so no crash or dropped connection can lose a message between the two.
 *
 * Reading the delivery tag, exchange and routing key: an envelope written by kombu,
 * Celery or celeriac ends with the same properties tail (`…, "delivery_info":
 * {"exchange": …, "routing_key": …}, "priority": N, "body_encoding": "base64",
 * "delivery_tag": …}}`), so a plain find plus one anchored match reads those three facts
 * at a fifth of `cjson.decode`'s cost (which dominated the script). Any other envelope,
 * or one whose strings hold escapes, goes through `cjson.decode` as before.
 *
 * KEYS: unacked, unacked_index, then the lists (step 0 of every queue, step 3 of every
 * queue, …). ARGV: now (unix seconds), limit, queues per step.
 * Returns a flat array: list index (1-based; negative when the envelope is unusable and
 * was not recorded), delivery tag, raw envelope — per message; then `more` when the take
 * stopped at its byte budget (2 MB) rather than its limit.
 */
const TAKE = `
local unacked, index = KEYS[1], KEYS[2]
local now, limit, nq = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local INFO = ', "delivery_info": {"exchange": "'
local TAIL = '^, "delivery_info": {"exchange": "([^"\\\\%c]*)", "routing_key": "([^"\\\\%c]*)"}, '
  .. '"priority": %d+, "body_encoding": "base64", "delivery_tag": "([^"\\\\%c]+)"}}$'
local function q(s)
  return '"' .. (string.gsub(s, '[%c"\\\\]', function(c)
    if c == '"' then return '\\\\"' elseif c == '\\\\' then return '\\\\\\\\'
    elseif c == '\\n' then return '\\\\n' elseif c == '\\r' then return '\\\\r'
    elseif c == '\\t' then return '\\\\t' end
    return string.format('\\\\u%04x', string.byte(c))
  end)) .. '"'
end
-- The delivery tag, exchange and routing key (both JSON-quoted) of an envelope, or nil.
local function facts(raw)
  local at = string.find(raw, INFO, 1, true)
  if at then
    local ex, rk, tag = string.match(raw, TAIL, at)
    if tag then return tag, '"' .. ex .. '"', '"' .. rk .. '"' end
  end
  local ok, env = pcall(cjson.decode, raw)
  local props = ok and type(env) == 'table' and env.properties
  if type(props) ~= 'table' then return nil end
  local tag, ex, rk = props.delivery_tag, '', ''
  local info = props.delivery_info
  if type(info) == 'table' then
    if type(info.exchange) == 'string' then ex = info.exchange end
    if type(info.routing_key) == 'string' then rk = info.routing_key end
  end
  if type(tag) ~= 'string' then tag = '' end
  return tag, q(ex), q(rk)
end
local out, n, taken, bytes = {}, 0, 0, 0
-- Stop once this many bytes are taken: a take of 100 messages of 100 KB held Redis for
-- 250-370 ms on a loaded machine (each envelope is copied into Lua, into the hash and into
-- the reply), blocking every other client, while the consumer sat idle; smaller takes let
-- the consumer decode one while Redis runs the next.
local BUDGET = 2097152
-- HSET and ZADD arguments, sent in a few variadic calls at the end (same script, so
-- as atomic as one call per message, at a fraction of the calls).
local held, scored, seen = {}, {}, {}
local function record(list, raw)
  taken = taken + 1
  bytes = bytes + #raw
  local tag, ex, rk = facts(raw)
  if not tag then
    out[n + 1], out[n + 2], out[n + 3] = -list, '', raw
    n = n + 3
    return
  end
  if tag == '' then
    tag = 'celeriac-' .. redis.sha1hex(raw .. now .. taken)
  elseif seen[tag] or redis.call('HEXISTS', unacked, tag) == 1 then
    -- the same envelope routed to several queues: keep both held messages apart
    tag = tag .. '.' .. string.sub(redis.sha1hex(raw .. now .. taken), 1, 12)
  end
  seen[tag] = true
  held[#held + 1] = tag
  held[#held + 1] = '[' .. raw .. ', ' .. ex .. ', ' .. rk .. ']'
  scored[#scored + 1] = now
  scored[#scored + 1] = tag
  out[n + 1], out[n + 2], out[n + 3] = list, tag, raw
  n = n + 3
end
local function variadic(command, key, args)
  for i = 1, #args, 1000 do
    redis.call(command, key, unpack(args, i, math.min(i + 999, #args)))
  end
end
local base = 2
while taken < limit and bytes < BUDGET and base < #KEYS do
  if nq == 1 then
    -- One queue: pop with a count (Redis 6.2): a few first to see how large the messages
    -- are, then as many as the byte budget allows (all the rest for small messages).
    local chunk = math.min(limit - taken, 8)
    while chunk > 0 do
      local popped = redis.call('RPOP', KEYS[base + 1], chunk)
      if not popped then break end
      for _, raw in ipairs(popped) do record(base - 1, raw) end
      if #popped < chunk or bytes >= BUDGET then break end
      chunk = math.min(limit - taken, math.max(1, math.floor((BUDGET - bytes) * taken / bytes)))
    end
  else
    local progress = true
    while taken < limit and bytes < BUDGET and progress do
      progress = false
      for i = 1, nq do
        if taken >= limit then break end
        local raw = redis.call('RPOP', KEYS[base + i])
        if raw then
          progress = true
          record(base + i - 2, raw)
        end
      end
    end
  end
  base = base + nq
end
variadic('HSET', unacked, held)
variadic('ZADD', index, scored)
-- Stopped by the byte budget: one more element says the lists may hold more.
if bytes >= BUDGET and taken < limit then out[n + 1] = 'more' end
return out
`;

/** Ack: forget held messages. KEYS: unacked, unacked_index. ARGV: tags. Returns how many were held. */
const ACK = `
redis.call('ZREM', KEYS[2], unpack(ARGV))
return redis.call('HDEL', KEYS[1], unpack(ARGV))
`;

/**
 * Put a held message back, only if it is still held (and, for a visibility restore, not
 * renewed since it was found expired): forget it and push the given payload to every
 * destination list. KEYS: unacked, unacked_index, destinations…
 * ARGV: tag, payload, 'L' (LPUSH, the back) or 'R' (RPUSH, the front), max score or '+inf'.
 */
const RESTORE = `
if ARGV[4] ~= '+inf' then
  local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if not score or tonumber(score) > tonumber(ARGV[4]) then return 0 end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
-- Push first: if a push fails (a key of another type), the message stays held.
for i = 3, #KEYS do
  if ARGV[3] == 'L' then redis.call('LPUSH', KEYS[i], ARGV[2])
  else redis.call('RPUSH', KEYS[i], ARGV[2]) end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/** Release a lock only if we still own it (redis-py `Lock.release`). KEYS: lock. ARGV: token. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Count and empty every list of a queue. KEYS: the lists. Returns the number removed. */
const PURGE = `
local n = 0
for i = 1, #KEYS do
  n = n + redis.call('LLEN', KEYS[i])
  redis.call('DEL', KEYS[i])
end
return n
`;

/**
 * Store a task state the way Celery does (SETEX + PUBLISH on the key name), refusing to
 * replace SUCCESS, or any ready state with a non-ready one.
 * KEYS: meta key. ARGV: json, expiry in ms (0 = none; whole seconds use SETEX as Celery
 * does), '1' if the new state is ready, channel. Returns 1 when stored.
 */
const STORE_RESULT = `
local current = redis.call('GET', KEYS[1])
if current then
  local status = string.match(current, '^{"status": "([^"]*)"')
  if not status then
    local ok, meta = pcall(cjson.decode, current)
    if ok and type(meta) == 'table' and type(meta.status) == 'string' then status = meta.status end
  end
  if status == 'SUCCESS' then return 0 end
  if (status == 'FAILURE' or status == 'REVOKED') and ARGV[3] ~= '1' then return 0 end
end
local ms = tonumber(ARGV[2])
if ms > 0 and ms % 1000 == 0 then redis.call('SETEX', KEYS[1], ms / 1000, ARGV[1])
elseif ms > 0 then redis.call('PSETEX', KEYS[1], ms, ARGV[1])
else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
`;

/**
 * {@link STORE_RESULT} for many results in one call (see `result-batcher.ts`), each under
 * `redis.pcall` so a failing key fails alone. KEYS: the meta keys (each also its channel).
 * ARGV: expiry in ms, then json and ready flag per key. Returns per key 1 (stored), 0
 * (refused) or the error's text.
 */
const STORE_RESULTS = `
local ms = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local key, json, ready = KEYS[i], ARGV[2 * i], ARGV[2 * i + 1]
  local current = redis.pcall('GET', key)
  local answer = 1
  if type(current) == 'table' and current.err then
    answer = current.err
  elseif current then
    local status = string.match(current, '^{"status": "([^"]*)"')
    if not status then
      local ok, meta = pcall(cjson.decode, current)
      if ok and type(meta) == 'table' and type(meta.status) == 'string' then status = meta.status end
    end
    if status == 'SUCCESS' then answer = 0 end
    if (status == 'FAILURE' or status == 'REVOKED') and ready ~= '1' then answer = 0 end
  end
  if answer == 1 then
    local set
    if ms > 0 and ms % 1000 == 0 then set = redis.pcall('SETEX', key, ms / 1000, json)
    elseif ms > 0 then set = redis.pcall('PSETEX', key, ms, json)
    else set = redis.pcall('SET', key, json) end
    if type(set) == 'table' and set.err then answer = set.err
    else redis.call('PUBLISH', key, json) end
  end
  out[i] = answer
end
return out
`;

/** A client with celeriac's scripts registered as commands. */
export interface ScriptedRedis extends Redis {
  celeriacTake(keys: readonly string[], ...args: (string | number)[]): Promise<unknown[]>;
  /** {@link celeriacTake} with the envelopes and tags as Buffers (no UTF-8 decoding). */
  celeriacTakeBuffer(keys: readonly string[], ...args: (string | number)[]): Promise<unknown[]>;
  celeriacAck(unacked: string, index: string, ...tags: string[]): Promise<number>;
  celeriacRestore(keys: readonly string[], ...args: (string | number)[]): Promise<number>;
  celeriacUnlock(key: string, token: string): Promise<number>;
  celeriacPurge(keys: readonly string[]): Promise<number>;
  celeriacStoreResult(key: string, ...args: (string | number)[]): Promise<number>;
  celeriacStoreResults(keys: readonly string[], ...args: (string | number)[]): Promise<unknown[]>;
}

/** Register every script on `client` (idempotent per client) and return it typed. */
export function withScripts(client: Redis): ScriptedRedis {
  const scripted = client as ScriptedRedis;
  if (typeof scripted.celeriacTake === 'function') return scripted;
  // Variadic-key scripts take the key count first; fixed ones declare it.
  client.defineCommand('celeriacTakeRaw', { lua: TAKE });
  client.defineCommand('celeriacAck', { lua: ACK, numberOfKeys: 2 });
  client.defineCommand('celeriacRestoreRaw', { lua: RESTORE });
  client.defineCommand('celeriacUnlock', { lua: UNLOCK, numberOfKeys: 1 });
  client.defineCommand('celeriacPurgeRaw', { lua: PURGE });
  client.defineCommand('celeriacStoreResult', { lua: STORE_RESULT, numberOfKeys: 1 });
  client.defineCommand('celeriacStoreResultsRaw', { lua: STORE_RESULTS });
  const raw = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  scripted.celeriacTake = (keys, ...args) =>
    raw['celeriacTakeRaw']!(keys.length, ...keys, ...args) as Promise<unknown[]>;
  scripted.celeriacTakeBuffer = (keys, ...args) =>
    raw['celeriacTakeRawBuffer']!(keys.length, ...keys, ...args) as Promise<unknown[]>;
  scripted.celeriacRestore = (keys, ...args) =>
    raw['celeriacRestoreRaw']!(keys.length, ...keys, ...args) as Promise<number>;
  scripted.celeriacStoreResults = (keys, ...args) =>
    raw['celeriacStoreResultsRaw']!(keys.length, ...keys, ...args) as Promise<unknown[]>;
  scripted.celeriacPurge = (keys) =>
    raw['celeriacPurgeRaw']!(keys.length, ...keys) as Promise<number>;
  return scripted;
}
