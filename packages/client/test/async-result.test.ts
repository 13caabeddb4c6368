import { describe, expect, it } from 'vitest';
import {
  RemoteTaskError,
  TimeoutError,
  taskRevokedInfo,
  type ResultMeta,
} from '@celeriac/protocol';
import { createClient, NoResultBackendError, ResultIgnoredError } from '@celeriac/client';
import { Fixture } from './support.js';

const TRACEBACK =
  'Traceback (most recent call last):\n  File "tasks.py", line 3, in div\nZeroDivisionError: division by zero\n';

describe('AsyncResult', () => {
  it('state, ready, successful, info follow what the backend stores', async () => {
    await using fx = new Fixture();
    const result = await fx.client.sendTask<number>('proj.add', [1, 2]);
    expect(await result.state()).toBe('PENDING');
    expect(await result.ready()).toBe(false);
    expect(await result.info()).toBeNull();
    await fx.storeResult({
      taskId: result.id,
      status: 'STARTED',
      result: { pid: 1, hostname: 'w@h' },
    });
    expect(await result.state()).toBe('STARTED');
    expect(await result.info()).toEqual({ pid: 1, hostname: 'w@h' });
    await fx.storeResult({
      taskId: result.id,
      status: 'SUCCESS',
      result: 3,
      dateDone: '2026-01-01T00:00:00',
    });
    expect(await result.ready()).toBe(true);
    expect(await result.successful()).toBe(true);
    expect(await result.failed()).toBe(false);
    expect(await result.get()).toBe(3);
  });

  it('get() waits for the result, reporting intermediate states', async () => {
    await using fx = new Fixture();
    const result = await fx.client.sendTask<string>('proj.slow');
    const updates: string[] = [];
    const waiting = result.get({ timeoutMs: 2000, onUpdate: (m) => updates.push(m.status) });
    await fx.storeResult({ taskId: result.id, status: 'PROGRESS', result: { done: 50 } });
    await fx.storeResult({ taskId: result.id, status: 'SUCCESS', result: 'ok' });
    expect(await waiting).toBe('ok');
    expect(updates).toContain('PROGRESS');
  });

  it('FAILURE throws RemoteTaskError with type, module, message and traceback', async () => {
    await using fx = new Fixture();
    const result = await fx.client.sendTask('proj.div', [1, 0]);
    const meta: Partial<ResultMeta> = {
      result: {
        excType: 'ZeroDivisionError',
        excMessage: ['division by zero'],
        excModule: 'builtins',
      },
      traceback: TRACEBACK,
      dateDone: '2026-01-01T00:00:00',
    };
    await fx.storeResult({ taskId: result.id, status: 'FAILURE', ...meta });
    const error = await result.get({ timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error).toMatchObject({
      code: 'ERR_REMOTE_TASK',
      excType: 'ZeroDivisionError',
      excModule: 'builtins',
      excMessage: ['division by zero'],
      traceback: TRACEBACK,
      taskId: result.id,
    });
    expect((error as Error).message).toBe(
      `ZeroDivisionError: division by zero (task ${result.id})`,
    );
    expect(await result.failed()).toBe(true);
    expect(await result.info()).toBeInstanceOf(RemoteTaskError);
    // propagate: false returns the error instead.
    expect(await result.get({ propagate: false })).toBeInstanceOf(RemoteTaskError);
  });

  it('REVOKED throws TaskRevokedError from celery.exceptions', async () => {
    await using fx = new Fixture();
    const result = await fx.client.sendTask('proj.x');
    await fx.storeResult({
      taskId: result.id,
      status: 'REVOKED',
      result: taskRevokedInfo('revoked'),
    });
    await expect(result.get({ timeoutMs: 1000 })).rejects.toMatchObject({
      excType: 'TaskRevokedError',
      excModule: 'celery.exceptions',
      excMessage: ['revoked'],
    });
  });

  it('times out with TimeoutError; aborts with the signal reason', async () => {
    await using fx = new Fixture();
    const result = await fx.client.sendTask('proj.never');
    const started = performance.now();
    await expect(result.get({ timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    setTimeout(() => controller.abort(reason), 20);
    await expect(result.get({ signal: controller.signal })).rejects.toBe(reason);
  });

  it('client.asyncResult(id) rebuilds a handle; forget() deletes the stored result', async () => {
    await using fx = new Fixture();
    await fx.storeResult({ taskId: 'known', status: 'SUCCESS', result: [1, 2] });
    const result = fx.client.asyncResult<number[]>('known');
    expect(result.id).toBe('known');
    expect(await result.get()).toEqual([1, 2]);
    await result.forget();
    expect(await result.state()).toBe('PENDING');
  });

  it('ignoreResult: get() is refused, and the backend is not asked to expect it', async () => {
    await using fx = new Fixture();
    const expected: string[] = [];
    const original = fx.backend.expect.bind(fx.backend);
    fx.backend.expect = (id) => {
      expected.push(id);
      return original(id);
    };
    const ignored = await fx.client.sendTask('t', [], {}, { ignoreResult: true });
    await expect(ignored.get()).rejects.toBeInstanceOf(ResultIgnoredError);
    const kept = await fx.client.sendTask('t');
    expect(expected).toEqual([kept.id]);
  });

  it('without a backend: sending works, reading throws NoResultBackendError', async () => {
    await using fx = new Fixture();
    const client = createClient({ transport: fx.transport });
    const result = await client.sendTask('t');
    await expect(result.state()).rejects.toBeInstanceOf(NoResultBackendError);
    await expect(result.get()).rejects.toThrow(/no result backend/);
    expect(result.toJSON()).toEqual([[result.id, null], null]);
    await client.close();
  });
});
