/**
 * A worker whose broker cannot be reached: one log line per attempt, then one line and
 * exit code 1 — no stack — on Redis and RabbitMQ; told to stop while it retries, it stops
 * at once with exit code 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, CLI_TEST_APP, killLeftovers, spawnCli } from '../../../test/support/cli-process.js';

afterEach(() => killLeftovers());

const unreachable = {
  redis: 'redis://:s3cret@127.0.0.1:1/0',
  amqp: 'amqp://guest:s3cret@127.0.0.1:1//',
};

describe('worker start with an unreachable broker', () => {
  for (const [kind, url] of Object.entries(unreachable)) {
    it(
      `${kind}: retries with a line per attempt, then one line and exit 1`,
      { timeout: 60_000 },
      async () => {
        const worker = spawnCli(BIN, ['worker', '-A', CLI_TEST_APP], {
          env: { CLI_TEST_BROKER: url, CLI_TEST_MAX_RETRIES: '3' },
        });
        expect((await worker.exited).code).toBe(1);
        await worker.closed;
        const stderr = worker.stderr();
        const lines = stderr.trim().split('\n');
        expect(lines.at(-1)).toMatch(/^celeriac worker: could not start: .*127\.0\.0\.1:1/);
        // Attempts 1 and 2 each say when the next comes; the third failure ends it.
        const retries = lines.filter((line) => /Trying again .*\(attempt \d\/3\)/.test(line));
        expect(retries).toHaveLength(2);
        expect(stderr).not.toMatch(/^\s+at /m);
        expect(worker.output()).not.toContain('s3cret');
      },
    );
  }

  it('SIGTERM while it retries stops it at once, exit 0', { timeout: 60_000 }, async () => {
    const worker = spawnCli(BIN, ['worker', '-A', CLI_TEST_APP], {
      env: { CLI_TEST_BROKER: unreachable.redis, CLI_TEST_MAX_RETRIES: '100' },
    });
    await worker.waitFor('Trying again');
    const signalled = Date.now();
    process.kill(worker.child.pid!, 'SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(worker.stderr()).not.toContain('could not start');
  });
});
