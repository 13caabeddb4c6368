/**
 * Chords on Celery's Redis keys (celery-wire.md §4.5), so Python and celeriac workers
 * count one chord together: `celery-taskset-meta-<gid>.s` holds the header size (SETEX +
 * PUBLISH, as `set_chord_size`), `.j` a ZSET of `[1, task_id, state, result]` scored by
 * `group_index`, `.t` Celery's optional extra-task counter. One Lua script adds a part,
 * counts and — when the count reaches `.s + .t` — reads and deletes the parts, so exactly
 * one reporter completes the chord; Python's MULTI pipeline sees the same counts.
 * celeriac's addition: `.f`, set by the first failed part, so the chord fails at once
 * and only once (Python ignores the key). The same part adds {@link FAILED_OFFSET} to
 * `.t`, so a Python worker's count never reaches the total: otherwise the Python worker
 * returning the last part would fail the chord again and send its errbacks a second time.
 * celeriac subtracts the offset again, so the last part still deletes the keys.
 */
import type { Redis } from 'ioredis';
import type { ChordPart, ChordPartOutcome, TaskStateName } from '@celeriac/protocol';
import { PROPAGATE_STATES } from '@celeriac/protocol';
import { pythonJsonStringify } from './python-json.js';

/** Added to `.t` by the first failed part; 2^40 stays exact in Lua's doubles. */
export const FAILED_OFFSET = 2 ** 40;

/**
 * KEYS: .j .t .s .f — ARGV: member, score, ttl ms (0: none), failed ('1'/'0').
 * Returns {0, firstFailure, sizeKnown} or {1, failedEarlier, parts}.
 */
const PART_RETURNED = `
local j, t, s, f = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl = tonumber(ARGV[3])
redis.call('ZADD', j, ARGV[2], ARGV[1])
local count = redis.call('ZCOUNT', j, '-inf', '+inf')
local size = redis.call('GET', s)
local before = redis.call('EXISTS', f)
local first = 0
if ARGV[4] == '1' and before == 0 then
  redis.call('SET', f, '1')
  redis.call('INCRBY', t, ${FAILED_OFFSET})
  first = 1
end
local diff = tonumber(redis.call('GET', t) or '0') or 0
if before == 1 or first == 1 then diff = diff - ${FAILED_OFFSET} end
if ttl > 0 then
  redis.call('PEXPIRE', j, ttl)
  redis.call('PEXPIRE', t, ttl)
  redis.call('PEXPIRE', s, ttl)
  redis.call('PEXPIRE', f, ttl)
end
if not size then return {0, first, 0} end
if count ~= tonumber(size) + diff then return {0, first, 1} end
local parts = redis.call('ZRANGE', j, 0, -1)
redis.call('DEL', j, t, s, f)
return {1, before, parts}
`;

/** The chord keys of a group whose saved-group key is `groupKey`. */
export function chordKeys(groupKey: string): { j: string; t: string; s: string; f: string } {
  return { j: `${groupKey}.j`, t: `${groupKey}.t`, s: `${groupKey}.s`, f: `${groupKey}.f` };
}

/** `set_chord_size`: SETEX (or SET when results never expire) + PUBLISH of the size. */
export async function setChordSize(
  redis: Redis,
  groupKey: string,
  size: number,
  expiresMs: number,
): Promise<void> {
  const key = chordKeys(groupKey).s;
  const value = String(size);
  const pipeline = redis.multi();
  if (expiresMs > 0) pipeline.psetex(key, expiresMs, value);
  else pipeline.set(key, value);
  pipeline.publish(key, value);
  await pipeline.exec();
}

/** Record a part and complete the chord exactly once; see `ResultBackend.chordPartReturned`. */
export async function chordPartReturned(
  redis: Redis,
  groupKey: string,
  part: ChordPart,
  expiresMs: number,
): Promise<ChordPartOutcome> {
  const keys = chordKeys(groupKey);
  const member = pythonJsonStringify([1, part.taskId, part.status, part.result ?? null]);
  const score = part.groupIndex === null ? '+inf' : String(part.groupIndex);
  const failed = PROPAGATE_STATES.has(part.status) ? '1' : '0';
  const reply = (await redis.eval(
    PART_RETURNED,
    4,
    keys.j,
    keys.t,
    keys.s,
    keys.f,
    member,
    score,
    String(expiresMs),
    failed,
  )) as [number, number, number | string[]];
  if (reply[0] === 0) {
    return reply[2] === 1
      ? { complete: false, firstFailure: reply[1] === 1 }
      : { complete: false, firstFailure: reply[1] === 1, sizeUnknown: true };
  }
  const raw = reply[2] as string[];
  const parts = raw.map((json, index): ChordPart => {
    const [, taskId, status, result] = JSON.parse(json) as [number, string, TaskStateName, unknown];
    return { taskId, groupIndex: index, status, result };
  });
  return { complete: true, parts, failedEarlier: reply[1] === 1 };
}
