/**
 * The Lua scripts of Redis beat coordination (`docs/beat.md`, "Redis"). Every key of one
 * namespace carries the hash tag `{celeriac.beat.<ns>}`, so each script's keys sit in one
 * Redis Cluster slot. Values are plain `|`-separated strings: Lua numbers are doubles and
 * cjson prints 14 digits, so millisecond times and epochs are never decoded as numbers
 * except to compare them.
 */
import type { Redis } from 'ioredis';

/** KEYS: leader, epoch. ARGV: holder, ttl ms. Returns the term's epoch, or false. */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local bar = string.find(cur, '|', 1, true)
  if bar and string.sub(cur, bar + 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return string.sub(cur, 1, bar - 1)
  end
  return false
end
local e = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], e .. '|' .. ARGV[1], 'PX', ARGV[2])
return tostring(e)
`;

/** KEYS: leader. ARGV: epoch|holder, ttl ms. Returns 1 when renewed, 0 when the term is over. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: leader. ARGV: epoch|holder. Returns 1 when released. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: leader, runs, entries. ARGV: epoch|holder, entry, runAt, revision or "", epoch.
 * Returns `{outcome, detail}`: `fenced`; `entry-changed` with the current revision or "";
 * `already-run` or `claimed` with the run as `lastRunAt|count|epoch`.
 */
const CLAIM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'fenced', ''} end
if ARGV[4] ~= '' then
  local stored = redis.call('HGET', KEYS[3], ARGV[2])
  if not stored then return {'entry-changed', ''} end
  local rev = string.match(stored, '^(%d+)|')
  if rev ~= ARGV[4] then return {'entry-changed', rev or ''} end
end
local run = redis.call('HGET', KEYS[2], ARGV[2])
local count = 0
if run then
  local last, n = string.match(run, '^(%d+)|(%d+)|')
  if last and tonumber(last) >= tonumber(ARGV[3]) then return {'already-run', run} end
  count = tonumber(n) or 0
end
local now = ARGV[3] .. '|' .. string.format('%d', count + 1) .. '|' .. ARGV[5]
redis.call('HSET', KEYS[2], ARGV[2], now)
return {'claimed', now}
`;

/** KEYS: entries, revision. ARGV: name, definition JSON. Returns the new revision. */
const PUT = `
local r = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], r .. '|' .. ARGV[2])
return r
`;

/** KEYS: entries, runs, revision. ARGV: name. Returns 1 when removed, 0 when absent. */
const REMOVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
return 1
`;

/** KEYS: entries, revision. Returns `{revision or false, name, value, name, value…}`. */
const ENTRIES = `
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, redis.call('GET', KEYS[2]) or '0')
return out
`;

/** A client with the beat scripts registered. */
export interface BeatScriptedRedis extends Redis {
  beatAcquire(leader: string, epoch: string, holder: string, ttlMs: number): Promise<string | null>;
  beatRenew(leader: string, term: string, ttlMs: number): Promise<number>;
  beatRelease(leader: string, term: string): Promise<number>;
  beatClaim(
    leader: string,
    runs: string,
    entries: string,
    ...args: string[]
  ): Promise<[string, string]>;
  beatPut(entries: string, revision: string, name: string, definition: string): Promise<number>;
  beatRemove(entries: string, runs: string, revision: string, name: string): Promise<number>;
  beatEntries(entries: string, revision: string): Promise<string[]>;
}

/** Register the beat scripts on `client` (idempotent) and return it typed. */
export function withBeatScripts(client: Redis): BeatScriptedRedis {
  const scripted = client as BeatScriptedRedis;
  if (typeof scripted.beatAcquire === 'function') return scripted;
  client.defineCommand('beatAcquire', { lua: ACQUIRE, numberOfKeys: 2 });
  client.defineCommand('beatRenew', { lua: RENEW, numberOfKeys: 1 });
  client.defineCommand('beatRelease', { lua: RELEASE, numberOfKeys: 1 });
  client.defineCommand('beatClaim', { lua: CLAIM, numberOfKeys: 3 });
  client.defineCommand('beatPut', { lua: PUT, numberOfKeys: 2 });
  client.defineCommand('beatRemove', { lua: REMOVE, numberOfKeys: 3 });
  client.defineCommand('beatEntries', { lua: ENTRIES, numberOfKeys: 2 });
  return scripted;
}
