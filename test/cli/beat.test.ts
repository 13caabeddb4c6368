/**
 * `celeriac beat` and `celeriac worker -B` as processes: a 1-second entry of the app's
 * `beatSchedule` sends one message per tick (counted by the scheduled time each message
 * carries), a bad entry is one line naming it while the others run, a SIGTERM stops
 * cleanly and hands leadership over at once (the lease is released), and command lines
 * that cannot run are refused with one line and exit code 2.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { BIN, killLeftovers, runCli, spawnCli } from '../support/cli-process.js';
import type { CliProcess } from '../support/cli-process.js';
import { REDIS } from '../support/cli-redis.js';
import { deleteRedisKeys } from '../support/redis-keys.js';
import { BEAT_TEST_APP, duplicates, gaps, ticksIn, waitForTicks } from '../beat/ticks.js';

afterEach(() => killLeftovers());
afterAll(() => killLeftovers());

/** SIGTERM `cli` and wait for it to exit. */
async function terminate(cli: CliProcess): Promise<number | null> {
  process.kill(cli.child.pid!, 'SIGTERM');
  const { code } = await cli.exited;
  await cli.closed;
  return code;
}

describe('celeriac worker -B on memory://', () => {
  it(
    'sends a 1-second entry once per tick; a bad entry is one line',
    { timeout: 60_000 },
    async () => {
      const worker = spawnCli(BIN, ['worker', '-A', BEAT_TEST_APP, '-B', '-n', 'beat@test'], {
        env: { BEAT_TEST_BAD_ENTRY: '1' },
      });
      await worker.waitFor('leads celeriac', 20_000);
      await waitForTicks(worker.output, 5, 15_000);
      expect(await terminate(worker)).toBe(0);
      const ticks = ticksIn(worker.output());
      expect(ticks.length).toBeGreaterThanOrEqual(5);
      expect(new Set(ticks.map((t) => t.entry))).toEqual(new Set(['tick-every-second']));
      expect(duplicates(ticks)).toEqual([]);
      // Consecutive runs, one second apart on the grid: none skipped.
      expect(new Set(gaps(ticks))).toEqual(new Set([1000]));
      // The bad entry is one line naming it; it never runs, the others do.
      const bad = worker.output().match(/^.*beat entry "bad-cron".*$/gm) ?? [];
      expect(bad.length).toBeGreaterThanOrEqual(1);
      expect(bad[0]).toMatch(/invalid cron expression "61 \* \* \* \*"/);
      expect(worker.output()).toContain('runs in this worker');
      expect(worker.output()).toMatch(/^ {2}beat: +ON \(namespace celeriac\)$/m);
      expect(worker.output()).not.toMatch(/^\s+at /m); // no stack trace
    },
  );
});

describe('command lines that cannot run', () => {
  it(
    'refuses a beat on memory://, a bad --max-interval and a missing --app',
    { timeout: 60_000 },
    async () => {
      const memory = await runCli(['beat', '-A', BEAT_TEST_APP]);
      expect(memory.code).toBe(2);
      expect(memory.stderr.split('\n')[0]).toMatch(/^celeriac beat: the broker is memory:\/\//);
      const interval = await runCli(
        ['beat', '-A', BEAT_TEST_APP, '--lease', '2', '--max-interval', '3'],
        { env: { BEAT_TEST_BROKER: REDIS } },
      );
      expect(interval.code).toBe(2);
      expect(interval.stderr).toContain(
        'celeriac beat: --max-interval (3 s) must be less than the lease (2 s)',
      );
      const noApp = await runCli(['beat', '-b', REDIS]);
      expect(noApp.code).toBe(2);
      expect(noApp.stderr).toContain('celeriac beat: --app is required');
      const lease = await runCli(['beat', '-A', BEAT_TEST_APP, '--lease', '0']);
      expect(lease.code).toBe(2);
      expect(lease.stderr).toContain("option '--lease <s>' argument '0' is invalid");
    },
  );
});

describe('celeriac beat on Redis', () => {
  it(
    'two replicas and a worker: one tick per second; SIGTERM hands over at once',
    { timeout: 90_000 },
    async () => {
      const id = randomUUID().slice(0, 8);
      const prefix = `beat-cli-${id}:`;
      const namespace = `beat-cli-${id}`;
      const env = {
        BEAT_TEST_BROKER: REDIS,
        BEAT_TEST_QUEUE: `beat-cli-${id}`,
        BEAT_TEST_PREFIX: prefix,
        CELERIAC_BEAT_NAMESPACE: namespace,
      };
      const beatArgs = ['beat', '-A', BEAT_TEST_APP, '--lease', '3'];
      try {
        const worker = spawnCli(BIN, ['worker', '-A', BEAT_TEST_APP, '-n', `w-${id}@test`], {
          env,
        });
        await worker.waitFor(' ready.', 30_000);
        const first = spawnCli(BIN, beatArgs, { env });
        await first.waitFor(`leads ${namespace}`, 30_000);
        const second = spawnCli(BIN, beatArgs, { env });
        await second.waitFor('is starting.', 30_000);
        await waitForTicks(worker.output, 4, 15_000);

        const stoppedAt = Date.now();
        expect(await terminate(first)).toBe(0);
        expect(first.output()).toContain('releasing the lease');
        await second.waitFor(`leads ${namespace}`, 5_000);
        // Released, not lapsed: the follower took over within a poll (lease / 3 = 1 s).
        expect(Date.now() - stoppedAt).toBeLessThan(3_000);
        await waitForTicks(worker.output, ticksIn(worker.output()).length + 3, 15_000);
        expect(await terminate(second)).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(await terminate(worker)).toBe(0);

        const ticks = ticksIn(worker.output());
        expect(duplicates(ticks)).toEqual([]);
        expect(Math.max(...gaps(ticks))).toBeLessThanOrEqual(3_000);
        expect(new Set(gaps(ticks))).toContain(1000);
      } finally {
        await deleteRedisKeys(prefix);
        await deleteRedisKeys(`{celeriac.beat.${namespace}}`);
      }
    },
  );
});
