/**
 * Beat interop with Python Celery 5.2 on the real Redis: a Python `celery beat` entry runs
 * on a celeriac worker, and a celeriac beat's runs run on a Python worker, which reads the
 * entry and the scheduled time from the request (`periodic_task_name`,
 * `periodic_task_scheduled_at`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, killLeftovers, spawnCli } from '../support/cli-process.js';
import { REDIS } from '../support/cli-redis.js';
import { killPythonChildren, spawnPython } from '../support/python-celery.js';
import { deleteRedisKeys } from '../support/redis-keys.js';
import { BEAT_TEST_APP, duplicates, gaps, ticksIn, waitForTicks } from './ticks.js';

const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

afterEach(() => killPythonChildren());

afterAll(() => killLeftovers());

function scope() {
  const id = randomUUID().slice(0, 8);
  const prefix = `beat-interop-${id}:`;
  const queue = `beat-interop-${id}`;
  return {
    id,
    prefix,
    queue,
    python: { BEAT_BROKER: REDIS, BEAT_PREFIX: prefix, BEAT_QUEUE: queue },
    celeriac: {
      BEAT_TEST_BROKER: REDIS,
      BEAT_TEST_PREFIX: prefix,
      BEAT_TEST_QUEUE: queue,
      CELERIAC_BEAT_NAMESPACE: queue,
    },
  };
}

describe('beat interop with Python Celery on Redis', () => {
  it('a Python celery beat entry runs on a celeriac worker', { timeout: 90_000 }, async () => {
    const s = scope();
    const schedule = path.join(mkdtempSync(path.join(tmpdir(), 'celerybeat-')), 'schedule');
    try {
      const worker = spawnCli(BIN, ['worker', '-A', BEAT_TEST_APP, '-n', `w-${s.id}@interop`], {
        env: s.celeriac,
      });
      await worker.waitFor(' ready.', 60_000);
      const beat = spawnPython(
        [
          '-m',
          'celery',
          '-A',
          'beat_app',
          'beat',
          '-s',
          schedule,
          '--max-interval',
          '1',
          '-l',
          'INFO',
        ],
        { dir: PYTHON_DIR, env: s.python },
      );
      await beat.waitFor(/Sending due task py-tick-every-second/, 30_000);
      const succeeded = /Task beat_test\.tick\[[^\]]+\] succeeded in [\d.]+s: 'from-python'/g;
      const deadline = Date.now() + 20_000;
      while ((worker.output().match(succeeded)?.length ?? 0) < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(worker.output().match(succeeded)?.length ?? 0).toBeGreaterThanOrEqual(3);
      process.kill(worker.child.pid!, 'SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      await killPythonChildren();
      killLeftovers();
      await deleteRedisKeys(s.prefix);
    }
  });

  it(
    'a celeriac beat’s runs run on a Python worker, headers read as request attributes',
    { timeout: 90_000 },
    async () => {
      const s = scope();
      try {
        const worker = spawnPython(
          [
            '-m',
            'celery',
            '-A',
            'beat_app',
            'worker',
            '-P',
            'solo',
            '-Q',
            s.queue,
            '-n',
            `py-${s.id}@interop`,
            '--without-gossip',
            '--without-mingle',
            '--without-heartbeat',
            '--loglevel=INFO',
          ],
          { dir: PYTHON_DIR, env: s.python },
        );
        await worker.waitFor(/ ready\./, 30_000);
        const beat = spawnCli(BIN, ['beat', '-A', BEAT_TEST_APP, '--lease', '3'], {
          env: s.celeriac,
        });
        await beat.waitFor(`leads ${s.queue}`, 60_000);
        await waitForTicks(worker.output, 4, 20_000);
        process.kill(beat.child.pid!, 'SIGTERM');
        expect((await beat.exited).code).toBe(0);
        const ticks = ticksIn(worker.output());
        expect(ticks.length).toBeGreaterThanOrEqual(4);
        expect(new Set(ticks.map((t) => t.entry))).toEqual(new Set(['tick-every-second']));
        expect(duplicates(ticks)).toEqual([]);
        expect(new Set(gaps(ticks))).toEqual(new Set([1000]));
      } finally {
        await killPythonChildren();
        killLeftovers();
        await deleteRedisKeys(s.prefix);
        await deleteRedisKeys(`{celeriac.beat.${s.queue}}`);
      }
    },
  );
});
