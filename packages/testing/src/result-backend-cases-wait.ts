/**
 * Result backend conformance cases: `wait` (notification, updates, timeout, abort) and
 * `expect`.
 */
import { ErrorCode, TaskState } from '@celeriac/protocol';
import type { ResultMeta } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import type { ResultBackendTestContext } from './result-backend-context.js';
import { resultMeta } from './result-meta-builders.js';
import { waitFor } from './wait-for.js';

/** Register the wait cases; `use` returns the current test's context. */
export function registerWaitCases(use: () => ResultBackendTestContext): void {
  it('wait resolves on a later store and reports intermediate states', async () => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    const updates: ResultMeta[] = [];
    const waiting = reader.wait(id, {
      timeoutMs: ctx.timeoutMs,
      onUpdate: (meta) => updates.push(meta),
    });
    const seen = (status: string) => () => updates.some((u) => u.status === status);
    await store(resultMeta(id, TaskState.STARTED));
    await waitFor(seen(TaskState.STARTED), { timeoutMs: ctx.timeoutMs, description: 'STARTED' });
    await store(resultMeta(id, 'PROGRESS', { current: 5 }));
    await waitFor(seen('PROGRESS'), { timeoutMs: ctx.timeoutMs, description: 'PROGRESS' });
    expect(updates.find((u) => u.status === 'PROGRESS')?.result).toEqual({ current: 5 });

    const storedAt = performance.now();
    await store(resultMeta(id, TaskState.SUCCESS, { answer: 42 }));
    const meta = await waiting;
    const latency = performance.now() - storedAt;
    expect(meta).toMatchObject({ taskId: id, status: TaskState.SUCCESS, result: { answer: 42 } });
    if (ctx.fixture.notifies !== false) {
      expect(latency).toBeLessThan(ctx.fixture.notifyWithinMs ?? 100);
    }
  });

  it('wait resolves at once for a result that is already ready', async () => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    await store(
      resultMeta(id, TaskState.FAILURE, {
        excType: 'KeyError',
        excMessage: ['k'],
        excModule: 'builtins',
      }),
    );
    const meta = await reader.wait(id, { timeoutMs: ctx.timeoutMs });
    expect(meta).toMatchObject({ taskId: id, status: TaskState.FAILURE });
  });

  it('wait resolves after expect when the store happened before wait', async () => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    await store(resultMeta(id, TaskState.SUCCESS, 'early'));
    await expect(reader.wait(id, { timeoutMs: ctx.timeoutMs })).resolves.toMatchObject({
      status: TaskState.SUCCESS,
      result: 'early',
    });
  });

  it('wakes every waiter of one task', async () => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    const waits = [reader.wait(id), reader.wait(id, { timeoutMs: ctx.timeoutMs })];
    await store(resultMeta(id, TaskState.SUCCESS, 'both'));
    const metas = await Promise.all(waits);
    expect(metas.map((m) => m.result)).toEqual(['both', 'both']);
  });

  it('wait rejects with TimeoutError after timeoutMs', async () => {
    const ctx = use();
    const reader = await ctx.backend();
    const id = ctx.taskId();
    await reader.expect(id);
    const started = performance.now();
    await expect(reader.wait(id, { timeoutMs: 100 })).rejects.toMatchObject({
      code: ErrorCode.timeout,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('wait rejects with the reason of its AbortSignal', async () => {
    const ctx = use();
    const reader = await ctx.backend();
    const id = ctx.taskId();
    await reader.expect(id);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const waiting = reader.wait(id, { signal: controller.signal, timeoutMs: ctx.timeoutMs });
    setTimeout(() => controller.abort(reason), 20);
    await expect(waiting).rejects.toBe(reason);
    const aborted = AbortSignal.abort(reason);
    await expect(reader.wait(id, { signal: aborted })).rejects.toBe(reason);
  });
}
