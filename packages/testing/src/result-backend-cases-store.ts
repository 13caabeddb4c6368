/**
 * Result backend conformance cases: get, store round trips, overwrite rules, forget,
 * groups and expiry.
 */
import { TaskState } from '@celeriac/protocol';
import type { ResultBackend, ResultMeta } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import type { ResultBackendTestContext } from './result-backend-context.js';
import { exceptionInfo, resultMeta } from './result-meta-builders.js';
import { waitFor } from './wait-for.js';

/** The fields every backend must give back as stored. */
function core(meta: ResultMeta): Partial<ResultMeta> {
  const { taskId, status, result, traceback, children, dateDone } = meta;
  return { taskId, status, result, traceback, children, dateDone };
}

/** `get` once the reader sees `status` (at once on stores that read their writes). */
async function readStatus(
  ctx: ResultBackendTestContext,
  reader: ResultBackend,
  taskId: string,
  status: string,
): Promise<ResultMeta> {
  return waitFor(
    async () => {
      const meta = await reader.get(taskId);
      return meta.status === status ? meta : undefined;
    },
    { timeoutMs: ctx.timeoutMs, description: `${taskId} to read as ${status}` },
  );
}

/** Register the store cases; `use` returns the current test's context. */
export function registerStoreCases(use: () => ResultBackendTestContext): void {
  it('reads an unknown task as PENDING', async () => {
    const ctx = use();
    const reader = await ctx.backend();
    const id = ctx.taskId();
    expect(await reader.get(id)).toMatchObject({
      taskId: id,
      status: TaskState.PENDING,
      result: null,
    });
  });

  it.each([
    ['SUCCESS', () => ({ n: 1, text: 'ünïcødé 😀', list: [1, null, true] }), {}],
    ['FAILURE', () => exceptionInfo('ValueError', 'bad input'), { traceback: 'Traceback…' }],
    ['PROGRESS', () => ({ current: 3, total: 10 }), {}],
  ] as const)('stores and reads back %s', async (status, result, extra) => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    const meta = resultMeta(id, status, result(), extra);
    expect(await store(meta)).toBe(true);
    expect(await readStatus(ctx, reader, id, status)).toMatchObject(core(meta));
  });

  it('never overwrites SUCCESS, nor a ready state with a non-ready one', async () => {
    const ctx = use();
    const { reader, store } = await ctx.pair();
    const done = ctx.taskId();
    await reader.expect(done);
    const success = resultMeta(done, TaskState.SUCCESS, 'kept');
    expect(await store(success)).toBe(true);
    expect(await store(resultMeta(done, TaskState.STARTED))).toBe(false);
    expect(await store(resultMeta(done, TaskState.RETRY, exceptionInfo()))).toBe(false);
    expect(await store(resultMeta(done, TaskState.FAILURE, exceptionInfo()))).toBe(false);
    expect(await store(resultMeta(done, 'PROGRESS', { current: 1 }))).toBe(false);
    expect(await readStatus(ctx, reader, done, TaskState.SUCCESS)).toMatchObject(core(success));

    for (const ready of [TaskState.FAILURE, TaskState.REVOKED]) {
      const id = ctx.taskId();
      await reader.expect(id);
      expect(await store(resultMeta(id, ready, exceptionInfo()))).toBe(true);
      expect(await store(resultMeta(id, TaskState.STARTED))).toBe(false);
      expect(await store(resultMeta(id, TaskState.RETRY, exceptionInfo()))).toBe(false);
      expect((await readStatus(ctx, reader, id, ready)).status).toBe(ready);
    }

    const moving = ctx.taskId();
    await reader.expect(moving);
    expect(await store(resultMeta(moving, TaskState.STARTED))).toBe(true);
    expect(await store(resultMeta(moving, 'PROGRESS', { current: 2 }))).toBe(true);
    expect((await readStatus(ctx, reader, moving, 'PROGRESS')).result).toEqual({ current: 2 });
    expect(await store(resultMeta(moving, TaskState.SUCCESS, 2))).toBe(true);
    expect((await readStatus(ctx, reader, moving, TaskState.SUCCESS)).result).toBe(2);
  });

  it('forgets a result', async (test) => {
    const ctx = use();
    if (ctx.fixture.supportsForget === false) test.skip();
    const { reader, writer, store } = await ctx.pair();
    const id = ctx.taskId();
    await reader.expect(id);
    await store(resultMeta(id, TaskState.SUCCESS, 1));
    await readStatus(ctx, reader, id, TaskState.SUCCESS);
    await writer.forget(id);
    await reader.forget(id);
    expect((await reader.get(id)).status).toBe(TaskState.PENDING);
  });

  it('saves and reads groups', async (test) => {
    const ctx = use();
    if (ctx.fixture.supportsGroups === false) test.skip();
    const { reader, writer } = await ctx.pair();
    const group = { groupId: ctx.taskId(), taskIds: [ctx.taskId(), ctx.taskId(), ctx.taskId()] };
    await writer.saveGroup(group);
    expect(await reader.getGroup(group.groupId)).toEqual(group);
    expect(await reader.getGroup(ctx.taskId())).toBeUndefined();
  });

  it('expires stored results after expiresMs', async (test) => {
    const ctx = use();
    if (!ctx.fixture.supportsExpiry) test.skip();
    const expiresMs = ctx.fixture.expiresMs ?? 200;
    const { reader, store } = await ctx.pair({ expiresMs });
    const id = ctx.taskId();
    await reader.expect(id);
    const stored = Date.now();
    await store(resultMeta(id, TaskState.SUCCESS, 'short-lived'));
    await readStatus(ctx, reader, id, TaskState.SUCCESS);
    await readStatus(ctx, reader, id, TaskState.PENDING);
    expect(Date.now() - stored).toBeGreaterThanOrEqual(expiresMs - 5);
  });
}
