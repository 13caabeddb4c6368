/**
 * A Python Celery 5.2 client against a celeriac worker started by `celeriac worker -P
 * processes` on Redis: `apply_async(time_limit=1)` of a CPU-bound task is
 * TimeLimitExceeded (and the loop's work never happens), `time_limit=0` runs normally, and
 * `app.control.broadcast('pool_grow' | 'pool_shrink' | 'add_consumer' | 'cancel_consumer')`
 * change what the worker does (stats show its processes; a new queue's task runs).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, killLeftovers, spawnCli } from '../../support/cli-process.js';
import { jsonLines, killPythonChildren, runPython } from '../../support/python-celery.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../support/redis-keys.js';

const APP = fileURLToPath(new URL('./fixtures/pools-app.ts', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  killLeftovers();
});

describe('a Python client and celery control → a celeriac worker on the processes or threads pool (Redis)', () => {
  it('time_limit=1 of a CPU-bound task is TimeLimitExceeded; pool and consumers follow control', async () => {
    const id = randomUUID().slice(0, 8);
    const prefix = `celeriac-pools-${id}:`;
    const queue = `pools-${id}`;
    const extra = `pools-extra-${id}`;
    const node = `pools-${id}@interop`;
    const env = { POOLS_BROKER: TEST_REDIS_URL, POOLS_PREFIX: prefix, POOLS_QUEUE: queue };
    const taskIds: string[] = [];
    const worker = spawnCli(
      BIN,
      // Python's celery control sends unsigned commands: Celery's behaviour, by flag.
      [
        'worker',
        '-A',
        APP,
        '-P',
        'processes',
        '-c',
        '1',
        '-Q',
        queue,
        '-n',
        node,
        '--allow-unsigned-control',
      ],
      { env },
    );
    cleanups.push(async () => {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await deleteRedisKeys(
        prefix,
        taskIds.map((t) => `celery-task-meta-${t}`),
      );
    });
    await worker.waitFor('ready', 60_000);
    const python = async (steps: unknown[]) => {
      const lines = jsonLines(
        await runPython(['pools_client.py', JSON.stringify({ steps })], { dir: PYTHON_DIR, env }),
      );
      for (const line of lines) if (typeof line.id === 'string') taskIds.push(line.id);
      return lines;
    };

    const file = join(mkdtempSync(join(tmpdir(), 'pools-interop-')), 'after-loop');
    const started = Date.now();
    const [limited, unlimited] = await python([
      { apply: 'interop_pools.busy', args: [4, file], options: { time_limit: 1 } },
      { apply: 'interop_pools.busy', args: [0.2], options: { time_limit: 0 } },
    ]);
    expect(limited).toMatchObject({
      state: 'FAILURE',
      exc_type: 'TimeLimitExceeded',
      exc_module: 'billiard.exceptions',
    });
    expect(unlimited).toMatchObject({ state: 'SUCCESS', result: 0.2 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 4500 - Date.now())));
    expect(existsSync(file)).toBe(false);

    const [before, grow, grown, shrink, shrunk] = await python([
      { stats: node },
      { broadcast: 'pool_grow', arguments: { n: 2 }, destination: [node] },
      { stats: node, processes: 3 },
      { broadcast: 'pool_shrink', arguments: { n: 1 }, destination: [node] },
      { stats: node, processes: 2 },
    ]);
    type Stats = { stats: { pool: { processes: number[]; 'max-concurrency': number } } };
    expect((before as Stats).stats.pool.processes).toHaveLength(1);
    expect(grow).toEqual({ replies: [{ [node]: { ok: 'pool will grow' } }] });
    expect((grown as Stats).stats.pool.processes).toHaveLength(3);
    expect(shrink).toEqual({ replies: [{ [node]: { ok: 'pool will shrink' } }] });
    expect((shrunk as Stats).stats.pool.processes).toHaveLength(2);
    // Every unit is a process of its own, not the worker's.
    const pids = (shrunk as Stats).stats.pool.processes;
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(worker.child.pid);

    const [added, ran, cancelled] = await python([
      { broadcast: 'add_consumer', arguments: { queue: extra }, destination: [node] },
      { apply: 'interop_pools.add', args: [20, 22], options: { queue: extra } },
      { broadcast: 'cancel_consumer', arguments: { queue: extra }, destination: [node] },
    ]);
    expect(added).toEqual({ replies: [{ [node]: { ok: `add consumer ${extra}` } }] });
    expect(ran).toMatchObject({ state: 'SUCCESS', result: 42 });
    expect(cancelled).toEqual({
      replies: [{ [node]: { ok: `no longer consuming from ${extra}` } }],
    });
    const [ignored] = await python([
      { apply: 'interop_pools.add', args: [1, 2], options: { queue: extra }, timeout: 2 },
    ]);
    expect(ignored).toMatchObject({ state: 'PENDING', exc_type: 'TimeoutError' });
  }, 120_000);

  it('-P threads: time_limit=1 of a CPU-bound task is TimeLimitExceeded, the next task runs', async () => {
    const id = randomUUID().slice(0, 8);
    const prefix = `celeriac-pools-${id}:`;
    const queue = `pools-${id}`;
    const node = `pools-threads-${id}@interop`;
    const env = { POOLS_BROKER: TEST_REDIS_URL, POOLS_PREFIX: prefix, POOLS_QUEUE: queue };
    const taskIds: string[] = [];
    const worker = spawnCli(
      BIN,
      ['worker', '-A', APP, '-P', 'threads', '-c', '1', '-Q', queue, '-n', node],
      { env },
    );
    cleanups.push(async () => {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await deleteRedisKeys(
        prefix,
        taskIds.map((t) => `celery-task-meta-${t}`),
      );
    });
    await worker.waitFor('ready', 60_000);
    const lines = jsonLines(
      await runPython(
        [
          'pools_client.py',
          JSON.stringify({
            steps: [
              { apply: 'interop_pools.busy', args: [4], options: { time_limit: 1 } },
              { apply: 'interop_pools.add', args: [2, 2] },
            ],
          }),
        ],
        { dir: PYTHON_DIR, env },
      ),
    );
    for (const line of lines) if (typeof line.id === 'string') taskIds.push(line.id);
    expect(lines[0]).toMatchObject({ state: 'FAILURE', exc_type: 'TimeLimitExceeded' });
    expect(lines[1]).toMatchObject({ state: 'SUCCESS', result: 4 });
  }, 60_000);
});
