/**
 * The raw ioredis ceiling for `npm run bench:redis` (`raw.pipelined`): the best reliable
 * queue we could hand-write with ioredis, doing nothing but take and ack the same
 * envelopes celeriac's publisher writes.
 *
 * - Take: one Lua call pops a batch (`RPOP key n`), numbers it with one `INCRBY` and
 *   records it with one variadic `HSET` + one `ZADD` (crash-safe, as kombu's `unacked`);
 *   replies come back as Buffers (no UTF-8 decode).
 * - Two takes in flight, so Redis runs the next take while this side handles the last.
 * - Acks of one event-loop turn go as one `ZREM` + `HDEL` call, on the same auto-pipelined
 *   connection as the takes; a message's prefetch is free once its ack is written.
 *
 * The old `raw.take` (take, then ack, strictly alternating) was no ceiling: celeriac's
 * transport beat it, so it was dropped.
 */
import { Redis } from 'ioredis';
import type { SystemResult } from './redis-bench-common.js';
import {
  PREFETCH,
  REDIS_URL,
  benchPrefix,
  deletePrefix,
  drained,
  envelopeOf,
  noopMessage,
  until,
} from './redis-bench-common.js';

const TAKE = `
local popped = redis.call('RPOP', KEYS[1], ARGV[2])
if not popped then return {} end
local first = redis.call('INCRBY', KEYS[4], #popped) - #popped
local held, scored, out = {}, {}, {}
for i, raw in ipairs(popped) do
  local tag = tostring(first + i)
  held[#held + 1] = tag
  held[#held + 1] = raw
  scored[#scored + 1] = ARGV[1]
  scored[#scored + 1] = tag
  out[#out + 1] = tag
  out[#out + 1] = raw
end
redis.call('HSET', KEYS[2], unpack(held))
redis.call('ZADD', KEYS[3], unpack(scored))
return out
`;
const ACK = `
redis.call('ZREM', KEYS[2], unpack(ARGV))
return redis.call('HDEL', KEYS[1], unpack(ARGV))
`;
/** Most messages in one take (celeriac's take batch too). */
const TAKE_BATCH = 100;
const MAX_IN_FLIGHT = 2;

interface RawRedis extends Redis {
  rawTakeBuffer(
    q: string,
    h: string,
    z: string,
    c: string,
    now: string,
    n: number,
  ): Promise<Buffer[]>;
  rawAck(h: string, z: string, ...tags: Buffer[]): Promise<number>;
}

/** Pipelined LPUSH of `envelopes`; returns publishes per second. */
export async function pushAll(redis: Redis, queue: string, envelopes: string[]): Promise<number> {
  const start = performance.now();
  for (let sent = 0; sent < envelopes.length; sent += 1000) {
    const pipeline = redis.pipeline();
    for (const envelope of envelopes.slice(sent, sent + 1000)) pipeline.lpush(queue, envelope);
    await pipeline.exec();
  }
  return envelopes.length / ((performance.now() - start) / 1000);
}

/** Raw ceiling: pipelined batch takes and per-turn batched acks. */
export async function rawPipelined(tasks: number): Promise<SystemResult> {
  const prefix = benchPrefix('raw-pipelined');
  const [queue, hash, zset, counter] = ['q', 'unacked', 'unacked_index', 'tags'].map(
    (k) => prefix + k,
  ) as [string, string, string, string];
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true }) as RawRedis;
  redis.defineCommand('rawTake', { lua: TAKE, numberOfKeys: 4 });
  redis.defineCommand('rawAck', { lua: ACK, numberOfKeys: 2 });
  try {
    const envelopes = Array.from({ length: tasks }, () => envelopeOf(noopMessage(), 'q'));
    const publishPerSecond = await pushAll(redis, queue, envelopes);
    let held = 0;
    let claimed = 0;
    let inFlight = 0;
    let taken = 0;
    let done = 0;
    let pending: Buffer[] = [];
    const flush = () => {
      const tags = pending;
      pending = [];
      void redis.rawAck(hash, zset, ...tags).then(() => (done += tags.length));
      held -= tags.length; // written: the prefetch is free, as celeriac counts it
      fill();
    };
    const fill = () => {
      while (inFlight < MAX_IN_FLIGHT && taken + claimed < tasks) {
        const free = PREFETCH - held - claimed;
        if (free <= 0 || (inFlight > 0 && free < TAKE_BATCH / 2)) return;
        const limit = Math.min(TAKE_BATCH, free);
        inFlight++;
        claimed += limit;
        const now = String(Date.now() / 1000);
        void redis.rawTakeBuffer(queue, hash, zset, counter, now, limit).then((reply) => {
          inFlight--;
          claimed -= limit;
          if (pending.length === 0 && reply.length > 0) process.nextTick(flush);
          taken += reply.length / 2;
          for (let i = 0; i < reply.length; i += 2) pending.push(reply[i]!);
          held += reply.length / 2;
          fill();
        });
      }
    };
    const start = performance.now();
    fill();
    await until(() => done >= tasks, 1);
    return drained('raw.pipelined', tasks, publishPerSecond, (performance.now() - start) / 1000);
  } finally {
    redis.disconnect();
    await deletePrefix(prefix);
  }
}

/**
 * Raw LPUSH/RPOP of the same bytes (no reliability): pipelined LPUSH, then RPOP with a
 * count, two calls in flight. Reports bytes per second.
 */
export async function rawPayload(envelopes: string[]): Promise<SystemResult> {
  const prefix = benchPrefix('raw-payload');
  const queue = `${prefix}q`;
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  try {
    const publishPerSecond = await pushAll(redis, queue, envelopes);
    let bytes = 0;
    let count = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: MAX_IN_FLIGHT }, async () => {
        for (;;) {
          const batch = await redis.rpopBuffer(queue, 10);
          if (!batch || batch.length === 0) return;
          for (const raw of batch) bytes += raw.length;
          count += batch.length;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    if (count !== envelopes.length) throw new Error(`raw.payload: ${count} of ${envelopes.length}`);
    return {
      ...drained('raw.payload', count, publishPerSecond, seconds),
      bytesPerSecond: bytes / seconds,
    };
  } finally {
    redis.disconnect();
    await deletePrefix(prefix);
  }
}
