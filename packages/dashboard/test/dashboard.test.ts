/**
 * The dashboard's server on memory:// with a real celeriac worker: the JSON API and the
 * live stream show what happened, it is read-only unless given control, basic auth and
 * token auth keep others out, changing requests must be JSON and same-origin, and bad
 * options fail with one line naming the option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
import type { ControlSigner } from '@celeriac/client';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask, type Worker } from '@celeriac/worker';
import {
  startDashboard,
  DashboardListenError,
  DashboardOptionError,
  type Dashboard,
  type DashboardOptions,
  type LiveMessage,
  type TaskDetail,
  type WorkerRow,
} from '../src/index.js';
import { ensureUiBuilt } from '../../../test/dashboard/ui-build.js';

const quiet = { info: () => undefined, warn: () => undefined };
const quietWorker = { ...quiet, debug: () => undefined, error: () => undefined };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<DashboardOptions> = {}) {
  await ensureUiBuilt();
  const url = `memory://dashboard-${Math.random().toString(36).slice(2)}`;
  const transport = createMemoryTransport(url);
  const backend = createMemoryResultBackend(url);
  const worker: Worker = createWorker({
    transport,
    backend,
    hostname: 'api@test',
    events: true,
    // Python's celery control and unsigned callers change it, as with Celery.
    control: { allowUnsigned: true },
    logger: quietWorker,
    tasks: [
      implementTask('api.add', (_ctx, a: number, b: number) => a + b),
      implementTask('api.fail', () => {
        throw new RangeError('out of range');
      }),
    ],
  });
  await worker.start();
  cleanups.push(() => worker.stop());
  const dashboard = await startDashboard({
    transport,
    backend,
    port: 0,
    logger: quiet,
    inspectIntervalMs: 500,
    ...options,
  });
  cleanups.push(() => dashboard.close());
  const client = createClient({ transport, backend });
  cleanups.push(() => client.close());
  return { dashboard, client, worker };
}

async function json<T>(dashboard: Dashboard, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${dashboard.url}${path}`, init);
  return (await response.json()) as T;
}

/** Read SSE messages from `path` until `done` says so (or 5 s). */
async function stream(
  dashboard: Dashboard,
  path: string,
  done: (messages: LiveMessage[]) => boolean,
): Promise<LiveMessage[]> {
  const abort = new AbortController();
  const response = await fetch(`${dashboard.url}${path}`, { signal: abort.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const messages: LiveMessage[] = [];
  let text = '';
  const deadline = Date.now() + 5000;
  try {
    while (!done(messages) && Date.now() < deadline) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
      const blocks = text.split('\n\n');
      text = blocks.pop()!;
      for (const block of blocks) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) messages.push(JSON.parse(data.slice(6)) as LiveMessage);
      }
    }
  } finally {
    abort.abort();
  }
  return messages;
}

describe('dashboard API', () => {
  it('shows the worker, a task through SUCCESS and a failure with its traceback', async () => {
    const { dashboard, client } = await setup();
    const ok = await client.sendTask('api.add', [2, 3]);
    expect(await ok.get({ timeoutMs: 5000 })).toBe(5);
    const failed = await client.sendTask('api.fail');
    await expect(failed.get({ timeoutMs: 5000 })).rejects.toThrow();
    await waitFor(
      async () => (await json<TaskDetail>(dashboard, `api/tasks/${failed.id}`)).state === 'FAILURE',
      {
        timeoutMs: 5000,
      },
    );
    const task = await json<TaskDetail>(dashboard, `api/tasks/${ok.id}`);
    expect(task).toMatchObject({ name: 'api.add', state: 'SUCCESS', args: '(2, 3)', result: '5' });
    expect(task.timeline.map((s) => s.state)).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);
    const failure = await json<TaskDetail>(dashboard, `api/tasks/${failed.id}`);
    expect(failure.traceback).toContain('RangeError: out of range');
    const stored = await json<{ status: string }>(dashboard, `api/tasks/${failed.id}/result`);
    expect(stored.status).toBe('FAILURE');
    await waitFor(
      async () => (await json<WorkerRow[]>(dashboard, 'api/workers'))[0]?.pool !== null,
      { timeoutMs: 5000, description: 'the pool from inspect stats' },
    );
    const [worker] = await json<WorkerRow[]>(dashboard, 'api/workers');
    expect(worker).toMatchObject({ hostname: 'api@test', kind: 'celeriac', online: true });
    expect(worker!.pool).toMatchObject({ maxConcurrency: expect.any(Number) as number });
    const filtered = await json<{ tasks: { id: string }[] }>(dashboard, 'api/tasks?state=FAILURE');
    expect(filtered.tasks.map((t) => t.id)).toEqual([failed.id]);
    expect((await fetch(`${dashboard.url}api/tasks/nope`)).status).toBe(404);
  });

  it('streams what a page subscribed to, then what changes', async () => {
    const { dashboard, client } = await setup();
    const result = await client.sendTask('api.add', [1, 1]);
    await result.get({ timeoutMs: 5000 });
    const messages = await stream(
      dashboard,
      `api/stream?workers=1&task=${result.id}`,
      (m) =>
        m.some((x) => x.type === 'task' && x.task?.state === 'SUCCESS') &&
        m.some((x) => x.type === 'workers'),
    );
    expect(messages[0]).toMatchObject({ type: 'hello', info: { control: false } });
    const workers = messages.find((m) => m.type === 'workers');
    expect(workers?.type === 'workers' && workers.workers[0]?.hostname).toBe('api@test');
    // Not subscribed: no task list, no stats.
    expect(messages.some((m) => m.type === 'tasks' || m.type === 'stats')).toBe(false);
  });

  it('is read-only by default: revoke is refused with 403', async () => {
    const { dashboard } = await setup();
    const response = await fetch(`${dashboard.url}api/tasks/some-id/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('read-only');
  });

  it('signs revoke with the control key hook when given one, and refuses non-JSON or cross-origin posts', async () => {
    const signed: string[] = [];
    const sign: ControlSigner = (message, request) => {
      signed.push(request.method);
      return message;
    };
    const { dashboard } = await setup({ control: { sign } });
    expect((await json<{ signed: boolean }>(dashboard, 'api/info')).signed).toBe(true);
    const post = (headers: Record<string, string>, body = '{"terminate":false}') =>
      fetch(`${dashboard.url}api/tasks/abc/revoke`, { method: 'POST', headers, body });
    expect((await post({ 'content-type': 'text/plain' })).status).toBe(415);
    const crossSite = await post({
      'content-type': 'application/json',
      origin: 'http://evil.example',
    });
    expect(crossSite.status).toBe(403);
    expect((await post({ 'content-type': 'application/json' }, 'not json')).status).toBe(400);
    const ok = await post({ 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      id: 'abc',
      replies: { 'api@test': { ok: expect.any(String) as string } },
    });
    expect(signed).toContain('revoke');
  });

  it('asks for basic auth when configured', async () => {
    const { dashboard } = await setup({ auth: { basic: { username: 'ops', password: 's3cret' } } });
    const anonymous = await fetch(`${dashboard.url}api/workers`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = `Basic ${Buffer.from('ops:nope').toString('base64')}`;
    expect((await fetch(`${dashboard.url}`, { headers: { authorization: wrong } })).status).toBe(
      401,
    );
    const right = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
    const page = await fetch(`${dashboard.url}`, { headers: { authorization: right } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
  });

  it('takes a bearer token, or the token once in the address and then a cookie', async () => {
    const token = 'a-long-dashboard-token';
    const { dashboard } = await setup({ auth: { token } });
    expect((await fetch(`${dashboard.url}api/info`)).status).toBe(401);
    const bearer = await fetch(`${dashboard.url}api/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    const first = await fetch(`${dashboard.url}?token=${token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(first.headers.get('set-cookie')).toContain('HttpOnly');
    expect((await fetch(`${dashboard.url}api/info`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses bad options with one line naming the option', async () => {
    const transport = createMemoryTransport('memory://bad-options');
    const bad: [Partial<DashboardOptions>, RegExp][] = [
      [{ port: 70_000 }, /dashboard option port: must be an integer 0–65535, got 70000/],
      [{ auth: { token: 'short' } }, /option auth\.token: must be a string of at least 8/],
      [{ auth: { basic: { username: 'a:b', password: 'x' } } }, /option auth\.basic/],
      [{ control: {} as never }, /option control: needs sign/],
      [{ updateIntervalMs: 0 }, /option updateIntervalMs: must be a positive integer/],
    ];
    for (const [options, message] of bad) {
      const error = await startDashboard({ transport, ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DashboardOptionError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('says which address is taken', async () => {
    const { dashboard } = await setup();
    const transport = createMemoryTransport('memory://taken');
    const error = await startDashboard({ transport, port: dashboard.port, logger: quiet }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DashboardListenError);
    expect((error as Error).message).toMatch(
      new RegExp(`dashboard cannot listen on 127\\.0\\.0\\.1:${dashboard.port}: .*EADDRINUSE`),
    );
  });
});
