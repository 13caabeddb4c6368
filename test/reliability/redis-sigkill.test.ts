/**
 * Issue 4 reliability: 1,000 acks-late tasks on Redis while the celeriac worker process
 * running them is SIGKILLed several times and restarted. Every task completes (recorded
 * on a witness set before its ack), none is lost; a task runs twice only when its worker
 * died after recording but before the ack reached Redis, so duplicates are bounded by
 * what was in flight (prefetch) at each kill.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { TaskState } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import {
  REDIS_URL,
  completions,
  deleteKeys,
  killChild,
  recordMessage,
  reliabilityNames,
  startWorkerChild,
} from './redis-support.js';
import type { WorkerChild } from './redis-support.js';

const TASKS = 1_000;
const KILLS = 4;
const CONCURRENCY = 10;
const PREFETCH = CONCURRENCY * 4;
const VISIBILITY = 2;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

describe('Redis: worker SIGKILLed mid-run', () => {
  it(`completes all ${TASKS} acks-late tasks across ${KILLS} kills, duplicates bounded by prefetch`, async () => {
    const { prefix, queue } = reliabilityNames();
    const witness = new Redis(REDIS_URL);
    const producer = createRedisTransport(REDIS_URL, {
      globalKeyprefix: prefix,
      prioritySteps: [0],
    });
    const backend = createRedisResultBackend(REDIS_URL, { keyPrefix: prefix });
    let child: WorkerChild | undefined;
    cleanups.push(async () => {
      await killChild(child?.process);
      await producer.close();
      await backend.close();
      witness.disconnect();
      await deleteKeys(REDIS_URL, prefix);
    });

    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: TASKS }, (_, n) => {
        const message = recordMessage(n);
        ids.push(message.headers['id'] as string);
        return producer.publish(message, { exchange: '', routingKey: queue });
      }),
    );
    expect(await producer.queueLength(queue)).toBe(TASKS);

    const started = performance.now();
    const spawnWorker = () =>
      startWorkerChild({
        brokerUrl: REDIS_URL,
        prefix,
        queue,
        visibility: VISIBILITY,
        concurrency: CONCURRENCY,
        taskMs: 40,
      });
    const killedAt: number[] = [];
    const heldAtKills: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      child = spawnWorker();
      await child.ready;
      // Let this worker get well into its share (tasks held, some mid-run), then kill it.
      const threshold = ((kill + 1) * TASKS) / (KILLS + 1);
      await waitFor(async () => (await completions(witness, prefix)).done.size >= threshold, {
        timeoutMs: 20_000,
        intervalMs: 5,
        description: `${threshold} tasks completed before kill ${kill + 1}`,
      });
      await killChild(child.process);
      killedAt.push((await completions(witness, prefix)).done.size);
      // Held by dead workers (this one and earlier ones not yet restored): the visibility
      // timeout must bring it back.
      heldAtKills.push(await witness.hlen(`${prefix}unacked`));
    }
    child = spawnWorker();
    await child.ready;
    await waitFor(async () => (await completions(witness, prefix)).done.size === TASKS, {
      timeoutMs: 40_000,
      intervalMs: 50,
      description: `all ${TASKS} tasks completed`,
    });
    // The last acks land, and nothing is left held or queued.
    await waitFor(async () => (await witness.hlen(`${prefix}unacked`)) === 0, {
      timeoutMs: 10_000,
      description: 'no message left unacked',
    });
    const seconds = (performance.now() - started) / 1000;
    const { done, runs } = await completions(witness, prefix);
    const duplicates = runs - done.size;
    console.log(
      JSON.stringify({
        test: 'redis.sigkill',
        tasks: TASKS,
        kills: KILLS,
        completedAtKills: killedAt,
        heldAtKills,
        runs,
        duplicates,
        duplicateBound: KILLS * PREFETCH,
        seconds: Number(seconds.toFixed(1)),
      }),
    );

    expect(done.size).toBe(TASKS);
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: TASKS }, (_, n) => n));
    expect(killedAt.every((n) => n < TASKS)).toBe(true);
    expect(heldAtKills.every((n, i) => n > 0 && n <= PREFETCH * (i + 1))).toBe(true);
    expect(duplicates).toBeLessThanOrEqual(KILLS * PREFETCH);
    expect(await producer.queueLength(queue)).toBe(0);
    // Every task's result is in the backend as SUCCESS.
    const metas = await Promise.all(ids.map((id) => backend.get(id)));
    expect(metas.filter((m) => m.status === TaskState.SUCCESS)).toHaveLength(TASKS);
  }, 90_000);
});
