/**
 * Canvas across Python Celery 5.2.6 and celeriac on one Redis, both directions:
 * - a Python client builds a chain, a group and a chord with Celery's own primitives and
 *   a celeriac worker runs them; the Python client reads every result, and a failing
 *   header member reaches the Python client as Celery's ChordError;
 * - celeriac's client sends a chain, a group and a chord to a Python worker;
 * - a chord whose header runs on a Python and a celeriac worker at once completes exactly
 *   once, results in order; one that fails on celeriac while Python returns the last part
 *   fails once: its errback runs once, not once per kind of worker.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chain, chord, createClient, group, linkError } from '@celeriac/client';
import { signature } from '@celeriac/protocol';
import {
  createRedisResultBackend,
  createRedisTransport,
  type RedisResultBackend,
} from '@celeriac/redis';
import { createWorker, implementTask } from '@celeriac/worker';
import { deleteRedisKeys } from '../../support/redis-keys.js';
import {
  interopSettings,
  killAll,
  pythonCanvas,
  pythonGet,
  pythonOutcome,
  pythonRestoreGroup,
  REDIS_URL,
  startPythonWorker,
  stopPythonWorker,
  type InteropSettings,
} from '../redis/support/python-celery.js';

const used: InteropSettings[] = [];
/** Result keys celeriac's backends named during the test. */
const resultKeys = new Set<string>();
const GROUP_KEY = /^(celery-taskset-meta-[^.]+)(\.[a-z])?$/;

afterEach(async () => {
  await killAll();
  // Queues and `_kombu.binding.*` sets under each test's prefix. Results, saved groups and
  // chord counters have no prefix (Celery 5.2's backend has none): both sides noted the
  // keys they named, and a group's key takes its chord counters along (`.j`, `.t`, `.s`
  // as in Celery, `.f` celeriac's failed flag).
  const keys = [...resultKeys];
  resultKeys.clear();
  const settings = used.splice(0);
  for (const { keyLog } of settings) {
    const log = await readFile(keyLog!, 'utf8').catch(() => '');
    keys.push(...log.split('\n').filter(Boolean));
    await rm(keyLog!, { force: true });
  }
  const names = new Set<string>();
  for (const key of keys) {
    const group = GROUP_KEY.exec(key)?.[1];
    if (group === undefined) names.add(key);
    else for (const suffix of ['', '.j', '.t', '.s', '.f']) names.add(group + suffix);
  }
  for (const [i, { prefix }] of settings.entries()) {
    await deleteRedisKeys(prefix, i === 0 ? names : []);
  }
});

/** Fresh settings whose keys are deleted after the test. */
function freshSettings(): InteropSettings {
  const settings = interopSettings();
  settings.keyLog = join(tmpdir(), `celeriac-canvas-keys-${randomUUID()}.log`);
  used.push(settings);
  return settings;
}

/** celeriac's result backend on Celery's unprefixed keys, noting each key it names. */
function resultBackend(): RedisResultBackend {
  const backend = createRedisResultBackend(REDIS_URL);
  const taskKey = backend.taskKey.bind(backend);
  const groupKey = backend.groupKey.bind(backend);
  const note = (key: string) => (resultKeys.add(key), key);
  backend.taskKey = (taskId) => note(taskKey(taskId));
  backend.groupKey = (groupId) => note(groupKey(groupId));
  return backend;
}

const T = { timeoutMs: 20_000 };

/** Python's builtin, so Celery rebuilds it as `ValueError` on the Python side. */
class ValueError extends Error {
  override name = 'ValueError';
}

function setup() {
  const settings = freshSettings();
  const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: settings.prefix });
  // Celery's result backend has no prefix: share results with Python.
  const backend = resultBackend();
  const client = createClient({ transport, backend, defaultQueue: settings.queue });
  // The queue rides in the signatures, so a follow-up (chain step, chord body, errback)
  // lands on the main queue whichever worker sends it: celeriac's workers here default
  // to it too (`defaultQueue`), but a Python worker defaults to its app's queue, which
  // for the last test's is a side queue.
  const s = (task: string, ...args: unknown[]) =>
    signature({ task, args, options: { queue: settings.queue } });
  return {
    settings,
    backend,
    client,
    s,
    async [Symbol.asyncDispose]() {
      await client.close();
      await transport.close();
      await backend.close();
    },
  };
}

/** A celeriac worker with the interop app's tasks; `ran` counts runs per task name. */
async function celeriacWorker(settings: InteropSettings, queues = [settings.queue]) {
  const ran = new Map<string, number>();
  const count = (name: string) => ran.set(name, (ran.get(name) ?? 0) + 1);
  const worker = createWorker({
    transport: createRedisTransport(REDIS_URL, { globalKeyprefix: settings.prefix }),
    backend: resultBackend(),
    queues,
    defaultQueue: settings.queue,
    concurrency: 4,
    control: false,
    ownTransport: true,
    ownBackend: true,
    tasks: [
      implementTask('interop.add', async (_c, a: number, b: number) => {
        count('interop.add');
        await new Promise((r) => setTimeout(r, 20));
        return a + b;
      }),
      implementTask('interop.echo', async (_c, ...args: unknown[]) => {
        count('interop.echo');
        return { args, kwargs: {} };
      }),
      implementTask('interop.fail', async (_c, msg: string) => {
        count('interop.fail');
        throw new ValueError(msg);
      }),
    ],
  });
  await worker.start();
  return {
    ran: (name: string) => ran.get(name) ?? 0,
    async [Symbol.asyncDispose]() {
      await worker.stop();
    },
  };
}

const pythonRuns = (output: string, task: string) =>
  output.match(new RegExp(`${task.replace('.', '\\.')}\\[[^\\]]*\\] succeeded`, 'g'))?.length ?? 0;

describe('canvas interop with Python Celery 5.2 (Redis)', () => {
  it('Python client → celeriac worker: chain, group and chord; Python reads the results', async () => {
    const settings = freshSettings();
    await using worker = await celeriacWorker(settings);
    const c = await pythonCanvas(settings, {
      kind: 'chain',
      tasks: [
        ['interop.add', [1, 2]],
        ['interop.add', [3]],
        ['interop.add', [10]],
      ],
    });
    expect(c.outcome).toEqual({ state: 'SUCCESS', result: 16 });
    const g = await pythonCanvas(settings, {
      kind: 'group',
      tasks: [
        ['interop.add', [1, 1]],
        ['interop.add', [2, 2]],
        ['interop.add', [3, 3]],
      ],
    });
    expect(g.outcome).toEqual({ state: 'SUCCESS', result: [2, 4, 6] });
    const ch = await pythonCanvas(settings, {
      kind: 'chord',
      tasks: Array.from({ length: 8 }, (_, i): [string, unknown[]] => ['interop.add', [i, i]]),
      body: ['interop.echo', ['tail']],
    });
    expect(ch.outcome).toEqual({
      state: 'SUCCESS',
      result: { args: [[0, 2, 4, 6, 8, 10, 12, 14], 'tail'], kwargs: {} },
    });
    // Python saved the group: celeriac restores it by id and reads the same results.
    await using fx = setup();
    const restored = await fx.client.restoreGroup(g.id);
    expect(await restored?.get(T)).toEqual([2, 4, 6]);
    expect(worker.ran('interop.add')).toBe(3 + 3 + 8);
    expect(worker.ran('interop.echo')).toBe(1);
  }, 90_000);

  it('Python client → celeriac worker: a failing header member reaches Python as ChordError', async () => {
    const settings = freshSettings();
    await using worker = await celeriacWorker(settings);
    const ch = await pythonCanvas(settings, {
      kind: 'chord',
      tasks: [
        ['interop.add', [1, 1]],
        ['interop.fail', ['boom']],
      ],
      body: ['interop.echo', []],
    });
    // As with a Python worker, Celery's `get` re-raises the failed parent (the header
    // member's own error) before looking at the body...
    expect(ch.outcome).toEqual({ state: 'FAILURE', error: 'ValueError', message: ['boom'] });
    // ...and the body itself holds Celery's ChordError naming the member.
    const body = pythonGet(settings, ch.id, 10);
    expect(await body.exited).toBe(0);
    const last = pythonOutcome(body);
    expect(last).toMatchObject({ state: 'FAILURE', error: 'ChordError' });
    expect(String((last as { message: unknown[] }).message[0])).toMatch(
      /^Dependency [0-9a-f-]{36} raised ValueError\('boom'\)$/,
    );
    expect(worker.ran('interop.echo')).toBe(0);
    // A failing chain step reaches Python as the task's own exception.
    const c = await pythonCanvas(settings, {
      kind: 'chain',
      tasks: [
        ['interop.add', [1, 1]],
        ['interop.fail', []],
      ],
    });
    expect(c.outcome).toMatchObject({ state: 'FAILURE', error: 'ValueError', message: ['2'] });
  }, 60_000);

  it('celeriac client → Python worker: chain, group and chord', async () => {
    await using fx = setup();
    const py = await startPythonWorker(fx.settings);
    try {
      const c = await fx.client.send(chain(fx.s('interop.add', 1, 2), fx.s('interop.add', 3)));
      expect(await c.get(T)).toBe(6);
      const g = await fx.client.send(group(fx.s('interop.add', 1, 1), fx.s('interop.add', 2, 2)));
      expect(await g.get(T)).toEqual([2, 4]);
      // celeriac saves the group; Python's GroupResult.restore reads it back.
      await g.save();
      const restored = pythonRestoreGroup(fx.settings, g.id, 10);
      expect(await restored.exited).toBe(0);
      expect(pythonOutcome(restored)).toEqual({ state: 'SUCCESS', result: [2, 4] });
      const ch = await fx.client.send(
        chord(
          [1, 2, 3].map((i) => fx.s('interop.add', i, i)),
          fx.s('interop.echo'),
        ),
      );
      expect(await ch.get(T)).toEqual({ args: [[2, 4, 6]], kwargs: {} });
      const failing = await fx.client.send(
        chord([fx.s('interop.add', 1, 1), fx.s('interop.fail', 'py boom')], fx.s('interop.echo')),
      );
      await expect(failing.get(T)).rejects.toThrow(/Dependency .* raised ValueError\('py boom'\)/);
    } finally {
      await stopPythonWorker(py);
    }
  }, 90_000);

  it('a chord whose header runs on a Python and a celeriac worker completes once, in order', async () => {
    await using fx = setup();
    const py = await startPythonWorker(fx.settings);
    await using worker = await celeriacWorker(fx.settings);
    try {
      const header = Array.from({ length: 16 }, (_, i) => fx.s('interop.add', i, i));
      const r = await fx.client.send(chord(header, fx.s('interop.echo')));
      const value = (await r.get({ timeoutMs: 15_000 }).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${py.output().slice(-3000)}`);
      })) as { args: unknown[] };
      expect(value.args).toEqual([Array.from({ length: 16 }, (_, i) => 2 * i)]);
      // Both kinds of worker ran header tasks.
      expect(pythonRuns(py.output(), 'interop.add')).toBeGreaterThan(0);
      expect(worker.ran('interop.add')).toBeGreaterThan(0);
      expect((await fx.backend.get(r.id)).status).toBe('SUCCESS');
      await new Promise((r) => setTimeout(r, 500));
      // The body ran once (on whichever worker took it).
      expect(worker.ran('interop.echo') + pythonRuns(py.output(), 'interop.echo')).toBe(1);
    } finally {
      await stopPythonWorker(py);
    }
  }, 90_000);

  it('a chord failed by celeriac while Python returns the last part fails once: one errback', async () => {
    await using fx = setup();
    // celeriac consumes the main queue; Python a side queue, so it returns the last part.
    const side = { ...fx.settings, queue: `${fx.settings.queue}.py` };
    const py = await startPythonWorker(side);
    await using worker = await celeriacWorker(fx.settings);
    try {
      const slow = signature({
        task: 'interop.sleep',
        args: [1.5],
        options: { queue: side.queue },
      });
      const body = linkError(fx.s('interop.echo'), fx.s('interop.echo', 'errback'));
      const r = await fx.client.send(chord([fx.s('interop.fail', 'first'), slow], body));
      await expect(r.get(T)).rejects.toThrow(/Dependency .* raised ValueError\('first'\)/);
      // Python runs the slow part after celeriac failed the chord; give it time to finish.
      await py.waitFor(/interop\.sleep\[[^\]]*\] succeeded/, 15_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(py.output()).not.toMatch(/Chord .* raised/);
      // The errback ran once, on celeriac (it sits on the main queue), with the body's id.
      expect(worker.ran('interop.echo')).toBe(1);
      expect((await fx.backend.get(r.id)).status).toBe('FAILURE');
    } finally {
      await stopPythonWorker(py);
    }
  }, 90_000);
});
