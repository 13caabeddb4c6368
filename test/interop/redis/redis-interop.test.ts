/**
 * celeriac's Redis transport and result backend against real Python Celery 5.2.6.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import type { RedisResultBackend, RedisTransport } from '@celeriac/redis';
import { TaskState } from '@celeriac/protocol';
import { collectDeliveries } from '@celeriac/testing';
import {
  REDIS_URL,
  interopSettings,
  killAll,
  pythonGet,
  pythonSend,
  startPythonWorker,
  stopPythonWorker,
} from './support/python-celery.js';
import type { InteropSettings } from './support/python-celery.js';
import { decodeTask, taskMessage } from './support/task-message.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function transport(settings: InteropSettings): RedisTransport {
  const t = createRedisTransport(REDIS_URL, {
    globalKeyprefix: settings.prefix,
    ...(settings.visibility === undefined ? {} : { visibilityTimeout: settings.visibility }),
  });
  cleanups.push(async () => {
    await t.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${settings.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return t;
}

/** A result backend on the default (unprefixed) keys Celery uses; forgets `ids` after. */
function backend(ids: string[] = []): RedisResultBackend {
  const b = createRedisResultBackend(REDIS_URL);
  cleanups.push(async () => {
    for (const id of ids) await b.forget(id);
    await b.close();
  });
  return b;
}

describe('Python client → celeriac transport', () => {
  it('consumes tasks a Python client sent, with args, kwargs, countdown, eta and expires', async () => {
    const settings = interopSettings();
    const [plain, delayed, scheduled] = await pythonSend(settings, [
      { name: 'interop.echo', args: [1, 'two', [3]], kwargs: { k: 'v', n: null } },
      { name: 'interop.add', args: [2, 3], countdown: 30, expires: 600 },
      { name: 'interop.add', args: [4, 5], eta_in: 60 },
    ]);
    const consumer = transport(settings);
    const collector = await collectDeliveries(consumer, [settings.queue], {
      prefetch: 0,
      autoAck: true,
    });
    await collector.waitForCount(3, 10_000);
    const byId = new Map(collector.deliveries.map((d) => [d.message.headers['id'], d]));

    const echo = decodeTask(byId.get(plain)!.message);
    expect(echo.headers).toMatchObject({
      task: 'interop.echo',
      id: plain,
      eta: null,
      expires: null,
      lang: 'py',
    });
    expect(echo.args).toEqual([1, 'two', [3]]);
    expect(echo.kwargs).toEqual({ k: 'v', n: null });
    expect(echo.embed).toEqual({ callbacks: null, errbacks: null, chain: null, chord: null });
    expect(byId.get(plain)!.routingKey).toBe(settings.queue);
    expect(byId.get(plain)!.message.properties).toMatchObject({
      correlationId: plain,
      deliveryMode: 2,
      priority: 0,
    });

    const countdown = byId.get(delayed)!;
    const eta = Date.parse(countdown.message.headers['eta'] as string);
    expect(eta - Date.now()).toBeGreaterThan(20_000);
    expect(Date.parse(countdown.message.headers['expires'] as string) - Date.now()).toBeGreaterThan(
      500_000,
    );
    expect(countdown.message.properties.expiration).toMatch(/^\d+$/);
    expect(decodeTask(countdown.message).args).toEqual([2, 3]);

    const at = byId.get(scheduled)!;
    expect(at.message.headers['eta']).toMatch(/\+00:00$/);
    expect(Date.parse(at.message.headers['eta'] as string) - Date.now()).toBeGreaterThan(50_000);
  });
});

describe('celeriac publisher → Python worker', () => {
  it('a Python worker executes celeriac-published tasks; the celeriac backend reads SUCCESS and FAILURE', async () => {
    const settings = interopSettings();
    const producer = transport(settings);
    const add = taskMessage({ name: 'interop.add', args: [2, 3] });
    const fail = taskMessage({ name: 'interop.fail', args: ['boom'] });
    const progress = taskMessage({ name: 'interop.progress', args: [3] });
    const results = backend([add.id, fail.id, progress.id]);
    for (const m of [add, fail, progress]) await results.expect(m.id);
    for (const m of [add, fail, progress]) {
      await producer.publish(m, { exchange: '', routingKey: settings.queue });
    }
    const worker = await startPythonWorker(settings);
    cleanups.push(() => stopPythonWorker(worker));

    expect(await results.wait(add.id, { timeoutMs: 20_000 })).toMatchObject({
      taskId: add.id,
      status: TaskState.SUCCESS,
      result: 5,
      traceback: null,
      children: [],
    });
    const failed = await results.wait(fail.id, { timeoutMs: 20_000 });
    expect(failed.status).toBe(TaskState.FAILURE);
    expect(failed.result).toEqual({
      excType: 'ValueError',
      excMessage: ['boom'],
      excModule: 'builtins',
    });
    expect(failed.traceback).toContain('ValueError: boom');
    expect(failed.dateDone).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/);
    expect(await results.wait(progress.id, { timeoutMs: 20_000 })).toMatchObject({ result: 3 });
  });
});

describe('restore across implementations', () => {
  it('a message a killed celeriac consumer held is restored and run by a Python worker', async () => {
    const settings = interopSettings(1);
    const producer = transport(settings);
    const add = taskMessage({ name: 'interop.add', args: [20, 22] });
    const results = backend([add.id]);
    await results.expect(add.id);
    await producer.publish(add, { exchange: '', routingKey: settings.queue });

    const child = spawn(
      process.execPath,
      [
        '--conditions=@celeriac/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./support/take-and-die.ts', import.meta.url)),
      ],
      {
        env: {
          ...process.env,
          REDIS_URL,
          QUEUE: settings.queue,
          PREFIX: settings.prefix,
          VISIBILITY: '1',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanups.push(() => void child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('taken ') && resolve());
      child.once('exit', () => reject(new Error('consumer child exited early')));
    });
    child.kill('SIGKILL');
    expect(await producer.queueLength(settings.queue)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1200));

    // kombu restores expired messages when the worker starts polling (restore_visible).
    const worker = await startPythonWorker(settings);
    cleanups.push(() => stopPythonWorker(worker));
    expect(await results.wait(add.id, { timeoutMs: 30_000 })).toMatchObject({
      status: TaskState.SUCCESS,
      result: 42,
    });
  });
});

describe('restore across implementations, the other way', () => {
  it('messages a killed Python worker prefetched are restored and consumed by celeriac', async () => {
    const settings = interopSettings(1);
    const producer = transport(settings);
    const busy = taskMessage({ name: 'interop.sleep', args: [30] });
    const waiting = [1, 2].map((n) => taskMessage({ name: 'interop.add', args: [n, n] }));
    for (const m of [busy, ...waiting]) {
      await producer.publish(m, { exchange: '', routingKey: settings.queue });
    }
    const worker = await startPythonWorker(settings);
    const probe = new Redis(REDIS_URL);
    cleanups.push(() => probe.disconnect());
    // The solo pool runs the sleep; what the worker fetched (the running task too, as the
    // solo pool acks only once the call returns to the event loop) sits in `unacked`.
    await worker.waitFor(/interop\.sleep\[.*\] received/);
    for (let i = 0; i < 200 && (await probe.hlen(`${settings.prefix}unacked`)) < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const held = Object.values(await probe.hgetall(`${settings.prefix}unacked`)).map(
      (value) => (JSON.parse(value) as [{ headers: { id: string } }])[0].headers.id,
    );
    expect(held.length).toBeGreaterThanOrEqual(1);
    worker.process.kill('SIGKILL');
    await worker.exited;

    const consumer = createRedisTransport(REDIS_URL, {
      globalKeyprefix: settings.prefix,
      visibilityTimeout: 1,
      restoreIntervalMs: 200,
    });
    cleanups.push(() => consumer.close());
    const collector = await collectDeliveries(consumer, [settings.queue], {
      prefetch: 0,
      autoAck: true,
    });
    // Held ones come back restored (redelivered); ones never fetched arrive as they were.
    const expected = [...new Set([...held, ...waiting.map((m) => m.id)])].sort();
    await collector.waitForCount(expected.length, 10_000);
    const got = new Map(collector.deliveries.map((d) => [d.message.headers['id'], d]));
    expect([...got.keys()].sort()).toEqual(expected);
    for (const id of held) expect(got.get(id)!.redelivered).toBe(true);
  });
});

describe('celeriac backend → Python client', () => {
  it('a Python client blocked in AsyncResult.get() receives a result celeriac stored', async () => {
    const settings = interopSettings();
    const ok = taskMessage({ name: 'interop.add' }).id;
    const bad = taskMessage({ name: 'interop.fail' }).id;
    const results = backend([ok, bad]);
    const waiting = [pythonGet(settings, ok), pythonGet(settings, bad)];
    for (const client of waiting) await client.waitFor(/waiting/);
    // Store once the Python clients subscribed, so the value travels over PUBLISH.
    const probe = new Redis(REDIS_URL);
    cleanups.push(() => probe.disconnect());
    for (let i = 0; i < 100; i++) {
      const counts = (await probe.pubsub(
        'NUMSUB',
        `celery-task-meta-${ok}`,
        `celery-task-meta-${bad}`,
      )) as (string | number)[];
      if (Number(counts[1]) > 0 && Number(counts[3]) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const now = new Date().toISOString().replace('Z', '000');
    await results.store({
      taskId: ok,
      status: TaskState.SUCCESS,
      result: { answer: [42, 'ünï'] },
      traceback: null,
      children: [],
      dateDone: now,
    });
    await results.store({
      taskId: bad,
      status: TaskState.FAILURE,
      result: { excType: 'KeyError', excMessage: ['missing'], excModule: 'builtins' },
      traceback: 'Error: missing\n    at celeriac',
      children: [],
      dateDone: now,
    });
    const [okLine] = await waiting[0]!.waitFor(/\{"state".*\}/);
    expect(JSON.parse(okLine)).toEqual({ state: 'SUCCESS', result: { answer: [42, 'ünï'] } });
    const [badLine] = await waiting[1]!.waitFor(/\{"state".*\}/);
    expect(JSON.parse(badLine)).toEqual({
      state: 'FAILURE',
      error: 'KeyError',
      message: ['missing'],
    });
  });
});
