/**
 * Issue 4 reliability: the Redis server itself dies mid-run and comes back. Each test has
 * a private `redis-server` on a free port (so the shared Redis of other tests is left
 * alone); the celeriac worker child consumes from it, and completions are recorded on the
 * shared Redis, outside the failure.
 *
 * What "not lost" can mean when Redis dies: Redis *is* the queue. A message is safe
 * across a crash only if Redis persisted it before it confirmed the publish — with
 * `appendonly yes` + `appendfsync always`, every write is fsynced to the AOF before the
 * reply. Then every publish a client saw confirmed completes (at least once: held
 * messages come back by the visibility timeout; a command whose reply was lost in the
 * crash may be resent, running a task twice). Without persistence a restart empties
 * Redis: queued and held messages are gone, and all that can be shown is that the worker
 * reconnects by itself and runs what is published afterwards.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import { sleep, waitFor } from '@celeriac/testing';
import {
  REDIS_URL,
  completions,
  deleteKeys,
  killChild,
  recordMessage,
  reliabilityNames,
  startPrivateRedis,
  startWorkerChild,
} from './redis-support.js';
import type { PrivateRedis, WorkerChild } from './redis-support.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

interface Run {
  redis: PrivateRedis;
  witness: Redis;
  child: WorkerChild;
  prefix: string;
  queue: string;
  publish(n: number): Promise<boolean>;
}

async function setUp(appendonly: boolean): Promise<Run> {
  const { prefix, queue } = reliabilityNames();
  const redis = await startPrivateRedis({ appendonly });
  const witness = new Redis(REDIS_URL);
  const producer = createRedisTransport(redis.url, { globalKeyprefix: prefix, prioritySteps: [0] });
  const child = startWorkerChild({
    brokerUrl: redis.url,
    prefix,
    queue,
    visibility: 3,
    concurrency: 10,
    taskMs: 5,
  });
  cleanups.push(async () => {
    await killChild(child.process);
    await producer.close().catch(() => undefined);
    await redis.dispose();
    witness.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  });
  await child.ready;
  return {
    redis,
    witness,
    child,
    prefix,
    queue,
    publish: (n) =>
      producer.publish(recordMessage(n), { exchange: '', routingKey: queue }).then(
        () => true,
        () => false,
      ),
  };
}

/** What the private Redis holds, for failure messages: queue, unacked, worker connections. */
async function brokerState(run: Run): Promise<string> {
  const redis = new Redis(run.redis.url);
  try {
    const [queued, unacked, clients] = await Promise.all([
      redis.llen(run.prefix + run.queue),
      redis.hlen(`${run.prefix}unacked`),
      redis.client('LIST') as Promise<string>,
    ]);
    const names = clients.split('\n').flatMap((line) => /name=(\S+)/.exec(line)?.[1] ?? []);
    return JSON.stringify({ queued, unacked, connections: names.filter(Boolean) });
  } finally {
    redis.disconnect();
  }
}

describe('Redis restarted mid-run', () => {
  it('with appendfsync always: every confirmed publish completes, the worker resumes by itself', async () => {
    const run = await setUp(true);
    const TOTAL = 600;
    const confirmed = new Set<number>();
    let failed = 0;
    const publishing: Promise<void>[] = [];
    const started = performance.now();
    let downAt = 0;
    let upAt = 0;
    // ~300 tasks/s offered for 2 s; the server is SIGKILLed at 0.6 s and back at 1.2 s.
    const outage = (async () => {
      await sleep(600);
      await run.redis.kill();
      downAt = (await completions(run.witness, run.prefix)).done.size;
      await sleep(600);
      await run.redis.start();
      upAt = (await completions(run.witness, run.prefix)).done.size;
    })();
    for (let n = 0; n < TOTAL; n++) {
      publishing.push(
        run.publish(n).then((ok) => {
          if (ok) confirmed.add(n);
          else failed++;
        }),
      );
      if (n % 10 === 9) await sleep(33);
    }
    await Promise.all(publishing);
    await outage;
    await waitFor(
      async () => {
        const { done } = await completions(run.witness, run.prefix);
        return [...confirmed].every((n) => done.has(n));
      },
      { timeoutMs: 30_000, intervalMs: 50, description: 'every confirmed task completed' },
    );
    const { done, runs } = await completions(run.witness, run.prefix);
    console.log(
      JSON.stringify({
        test: 'redis.restart.aof',
        offered: TOTAL,
        confirmed: confirmed.size,
        failedPublishes: failed,
        completedAtKill: downAt,
        completedAtRestart: upAt,
        completed: done.size,
        duplicates: runs - done.size,
        seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      }),
    );
    // The same worker process did it all: it reconnected and resumed by itself.
    expect(run.child.process.exitCode).toBeNull();
    expect(downAt).toBeGreaterThan(0);
    expect(downAt).toBeLessThan(TOTAL);
    expect(confirmed.size).toBeGreaterThan(0);
    for (const n of confirmed) expect(done.has(n)).toBe(true);
    // Nothing the worker ran came from nowhere.
    for (const n of done) expect(n).toBeLessThan(TOTAL);
  }, 60_000);

  it('without persistence: the worker reconnects by itself and runs what is published after', async () => {
    const run = await setUp(false);
    const before = Array.from({ length: 50 }, (_, n) => n);
    expect((await Promise.all(before.map((n) => run.publish(n)))).every(Boolean)).toBe(true);
    await waitFor(async () => (await completions(run.witness, run.prefix)).done.size === 50, {
      timeoutMs: 10_000,
      description: 'the first 50 tasks completed',
    });
    await run.redis.kill();
    await sleep(500);
    await run.redis.start();
    // Redis restarted empty; the worker's transport rewrites its bindings and consumes.
    const after = Array.from({ length: 50 }, (_, n) => 1000 + n);
    expect((await Promise.all(after.map((n) => run.publish(n)))).every(Boolean)).toBe(true);
    await waitFor(
      async () => {
        const { done } = await completions(run.witness, run.prefix);
        return after.every((n) => done.has(n));
      },
      { timeoutMs: 20_000, intervalMs: 50, description: 'tasks published after the restart ran' },
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; broker state: ${await brokerState(run)}`);
    });
    expect(run.child.process.exitCode).toBeNull();
  }, 60_000);
});
