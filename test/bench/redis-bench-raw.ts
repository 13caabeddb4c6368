/**
 * The raw ioredis ceiling for `npm run bench:redis`: the same envelope, pipelined LPUSH,
 * then a reliable-pop consumer with celeriac's prefetch doing nothing but take and ack.
 * Two reliable-pop patterns:
 * - `take`: celeriac's own pattern stripped to the bone — one Lua script pops up to the
 *   free prefetch and records each message in a hash + zset; the messages of one take
 *   are acked by one script call (ZREM + HDEL of all their tags).
 * - `lmove`: the classic reliable queue — LMOVE into a processing list, LREM to ack, with
 *   as many in flight as the prefetch.
 */
import { Redis } from 'ioredis';
import type { SystemResult } from './redis-bench-common.js';
import {
  PREFETCH,
  REDIS_URL,
  TASKS,
  benchPrefix,
  deletePrefix,
  noopEnvelope,
  until,
} from './redis-bench-common.js';

const TAKE = `
local out = {}
local now = ARGV[1]
for i = 1, tonumber(ARGV[2]) do
  local raw = redis.call('RPOP', KEYS[1])
  if not raw then break end
  local tag = tostring(redis.call('INCR', KEYS[4]))
  redis.call('HSET', KEYS[2], tag, raw)
  redis.call('ZADD', KEYS[3], now, tag)
  out[#out + 1] = tag
  out[#out + 1] = raw
end
return out
`;
const ACK = `
redis.call('ZREM', KEYS[2], unpack(ARGV))
return redis.call('HDEL', KEYS[1], unpack(ARGV))
`;

interface RawRedis extends Redis {
  rawTake(q: string, h: string, z: string, c: string, now: string, n: number): Promise<string[]>;
  rawAck(h: string, z: string, ...tags: string[]): Promise<number>;
}

/** Pipelined LPUSH of `tasks` copies of one envelope; returns publishes per second. */
async function publish(redis: Redis, queue: string, tasks: number): Promise<number> {
  const envelope = noopEnvelope(queue);
  const start = performance.now();
  for (let sent = 0; sent < tasks; sent += 1000) {
    const pipeline = redis.pipeline();
    for (let i = sent; i < Math.min(tasks, sent + 1000); i++) pipeline.lpush(queue, envelope);
    await pipeline.exec();
  }
  return tasks / ((performance.now() - start) / 1000);
}

/** Raw ceiling with the atomic take script. */
export async function rawTake(tasks = TASKS): Promise<SystemResult> {
  const prefix = benchPrefix('raw-take');
  const [queue, hash, zset, counter] = ['q', 'unacked', 'unacked_index', 'tags'].map(
    (k) => prefix + k,
  ) as [string, string, string, string];
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true }) as RawRedis;
  redis.defineCommand('rawTake', { lua: TAKE, numberOfKeys: 4 });
  redis.defineCommand('rawAck', { lua: ACK, numberOfKeys: 2 });
  const publishPerSecond = await publish(redis, queue, tasks);
  let held = 0;
  let done = 0;
  let taking = false;
  // Take whenever there is free prefetch and no take in flight; ack each at once.
  const pump = async (): Promise<void> => {
    if (taking) return;
    taking = true;
    while (held < PREFETCH && done + held < tasks) {
      const now = String(Date.now() / 1000);
      const reply = await redis.rawTake(queue, hash, zset, counter, now, PREFETCH - held);
      if (reply.length === 0) break;
      // Acks of one take go as one call, as celeriac batches acks per event-loop turn.
      const tags: string[] = [];
      for (let i = 0; i < reply.length; i += 2) tags.push(reply[i]!);
      held += tags.length;
      void redis.rawAck(hash, zset, ...tags).then(() => {
        held -= tags.length;
        done += tags.length;
        void pump();
      });
    }
    taking = false;
  };
  const start = performance.now();
  await pump();
  await until(() => done >= tasks, 1);
  const drainSeconds = (performance.now() - start) / 1000;
  redis.disconnect();
  await deletePrefix(prefix);
  return {
    system: 'raw.take',
    publishPerSecond,
    drainSeconds,
    tasksPerSecond: tasks / drainSeconds,
  };
}

/** Raw ceiling with LMOVE into a processing list and LREM to ack. */
export async function rawLmove(tasks = TASKS): Promise<SystemResult> {
  const prefix = benchPrefix('raw-lmove');
  const queue = `${prefix}q`;
  const processing = `${prefix}processing`;
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const publishPerSecond = await publish(redis, queue, tasks);
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: PREFETCH }, async () => {
      for (;;) {
        const raw = await redis.lmove(queue, processing, 'RIGHT', 'LEFT');
        if (raw === null) return;
        await redis.lrem(processing, 1, raw);
        done++;
      }
    }),
  );
  const drainSeconds = (performance.now() - start) / 1000;
  if (done !== tasks) throw new Error(`raw.lmove consumed ${done} of ${tasks}`);
  redis.disconnect();
  await deletePrefix(prefix);
  return {
    system: 'raw.lmove',
    publishPerSecond,
    drainSeconds,
    tasksPerSecond: tasks / drainSeconds,
  };
}
