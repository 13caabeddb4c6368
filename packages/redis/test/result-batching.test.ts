/**
 * Result stores asked for in one event-loop turn go to Redis as one script call (split
 * past 500): every one lands with Celery's bytes, stores of one task keep their order,
 * and a store that fails (its key holds another type) fails alone.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisResultBackend } from '@celeriac/redis';
import type { ResultMeta } from '@celeriac/protocol';
import { TransportError, serializeResultMeta } from '@celeriac/protocol';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function meta(taskId: string, status: ResultMeta['status'], result: unknown): ResultMeta {
  const ready = status === 'SUCCESS';
  return {
    taskId,
    status,
    result,
    traceback: null,
    children: [],
    dateDone: ready ? '2026-12-07T01:00:00.000000' : null,
  };
}

function setup() {
  const keyPrefix = testPrefix();
  const redis = rawClient();
  const backend = createRedisResultBackend(REDIS_URL, { keyPrefix, resultExpires: 60 });
  cleanups.push(
    () => deletePrefixed(keyPrefix),
    () => redis.disconnect(),
    () => backend.close(),
  );
  return { keyPrefix, redis, backend };
}

describe('result batching', () => {
  it('stores 1,200 results asked for in one turn, each with the bytes of a single store', async () => {
    const { keyPrefix, redis, backend } = setup();
    await backend.connect();
    const metas = Array.from({ length: 1200 }, (_, i) => meta(randomUUID(), 'SUCCESS', i));
    const stored = await Promise.all(metas.map((m) => backend.store(m)));
    expect(stored.every((s) => s === true)).toBe(true);
    const keys = metas.map((m) => `${keyPrefix}celery-task-meta-${m.taskId}`);
    expect(await redis.mget(...keys)).toEqual(metas.map((m) => serializeResultMeta(m)));
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('keeps the order of one task’s stores within a turn', async () => {
    const { redis, backend } = setup();
    await backend.connect();
    const [a, b] = [randomUUID(), randomUUID()];
    // a: STARTED then SUCCESS (both stored); b: SUCCESS then STARTED (the second refused).
    const stored = await Promise.all([
      backend.store(meta(a, 'STARTED', { pid: 1 })),
      backend.store(meta(b, 'SUCCESS', 'done')),
      backend.store(meta(a, 'SUCCESS', 'done')),
      backend.store(meta(b, 'STARTED', { pid: 1 })),
    ]);
    expect(stored).toEqual([true, true, true, false]);
    expect((await backend.get(a)).status).toBe('SUCCESS');
    expect((await backend.get(b)).status).toBe('SUCCESS');
    expect(await redis.exists(backend.taskKey(b))).toBe(1);
  });

  it('fails only the store whose key holds another type; the others of its turn land', async () => {
    const { redis, backend } = setup();
    await backend.connect();
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const bad = ids[4]!;
    await redis.hset(backend.taskKey(bad), 'not', 'a result');
    const settled = await Promise.allSettled(
      ids.map((id) => backend.store(meta(id, 'SUCCESS', id))),
    );
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [[i, s.reason]] : []));
    expect(failed).toHaveLength(1);
    const [index, reason] = failed[0] as [number, unknown];
    expect(index).toBe(4);
    expect(reason).toBeInstanceOf(TransportError);
    expect(String((reason as Error).message)).toMatch(/WRONGTYPE/);
    for (const id of ids.filter((id) => id !== bad)) {
      expect((await backend.get(id)).result).toBe(id);
    }
    expect(await redis.type(backend.taskKey(bad))).toBe('hash');
  });
});
