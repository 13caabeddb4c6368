/**
 * Signals reach the worker whatever started it: `npx celeriac worker`, the bin itself
 * (`node_modules/.bin/celeriac`), a TypeScript app, and the bin as PID 1 of its own PID
 * namespace (a container). Each test signals the PID it started (or its process group,
 * as a terminal's Ctrl-C does), reads the worker's warm or cold shutdown in its output,
 * and waits until no process of the tree is left.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN,
  groupGone,
  killLeftovers,
  runCli,
  spawnCli,
} from '../../../test/support/cli-process.js';
import { redisScope } from '../../../test/support/cli-redis.js';

const tsApp = fileURLToPath(new URL('./fixtures/cli-app.ts', import.meta.url));
const jsApp = fileURLToPath(new URL('./fixtures/plain-app.mjs', import.meta.url));

afterEach(() => killLeftovers());

function npxWorker(app: string) {
  return spawnCli('npx', ['celeriac', 'worker', '-A', app, '-c', '1']);
}

function binWorker(app: string) {
  return spawnCli(BIN, ['worker', '-A', app, '-c', '1']);
}

describe('signals through npx (npm → sh → node)', () => {
  it('SIGTERM to the npx process is a warm shutdown of the worker, and the tree ends', async () => {
    const cli = npxWorker(tsApp);
    await cli.waitFor('ready');
    process.kill(cli.child.pid!, 'SIGTERM');
    await cli.waitFor('Warm shutdown');
    await groupGone(cli.child.pid!);
    await cli.closed;
    expect(cli.output()).not.toContain('Cold shutdown');
  }, 60_000);

  it('SIGQUIT to the npx process (npm dies of it) is a cold shutdown', async () => {
    const cli = npxWorker(jsApp);
    await cli.waitFor('ready');
    process.kill(cli.child.pid!, 'SIGQUIT');
    await cli.waitFor('Cold shutdown');
    await groupGone(cli.child.pid!);
  }, 60_000);

  it('Ctrl-C (SIGINT to the process group) is a warm shutdown', async () => {
    const cli = npxWorker(jsApp);
    await cli.waitFor('ready');
    process.kill(-cli.child.pid!, 'SIGINT');
    await cli.waitFor('Warm shutdown');
    await groupGone(cli.child.pid!);
    expect(cli.output()).not.toContain('Cold shutdown');
  }, 60_000);
});

describe('signals to the bin (one process: the worker)', () => {
  it('SIGTERM: warm shutdown, exit code 0', async () => {
    const cli = binWorker(jsApp);
    await cli.waitFor('ready');
    process.kill(cli.child.pid!, 'SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output()).toContain('SIGTERM received: warm shutdown');
    await groupGone(cli.child.pid!);
  }, 60_000);

  it('SIGINT while a task runs waits for it; a second SIGINT is cold and ends it', async () => {
    const scope = redisScope();
    const { env } = scope;
    const cli = spawnCli(BIN, ['worker', '-A', tsApp, '-c', '1'], { env });
    try {
      await cli.waitFor('ready');
      const call = await runCli(['call', 'cli_test.nap', '-a', '[30]', '-A', tsApp], { env });
      expect(call.code).toBe(0);
      await cli.waitFor('napping 30 s');
      process.kill(cli.child.pid!, 'SIGINT');
      await cli.waitFor('SIGINT received: warm shutdown');
      process.kill(cli.child.pid!, 'SIGINT');
      expect((await cli.exited).code).toBe(0);
      expect(cli.output()).toContain('SIGINT received: cold shutdown');
    } finally {
      await scope.cleanup();
    }
  }, 60_000);

  it('SIGQUIT: cold shutdown (a TypeScript app, loaded in the same process)', async () => {
    const cli = binWorker(tsApp);
    await cli.waitFor('ready');
    process.kill(cli.child.pid!, 'SIGQUIT');
    expect((await cli.exited).code).toBe(0);
    expect(cli.output()).toContain('SIGQUIT received: cold shutdown');
    await groupGone(cli.child.pid!);
  }, 60_000);

  const unshare = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;
  it.runIf(unshare)(
    'as PID 1 of its own PID namespace (a container), SIGTERM is warm',
    async () => {
      const cli = spawnCli('unshare', [
        '--pid',
        '--fork',
        '--kill-child',
        BIN,
        'worker',
        '-A',
        jsApp,
      ]);
      await cli.waitFor('ready');
      // The worker is unshare's child, PID 1 inside its namespace: signal it from outside,
      // as a container runtime signals its init.
      const worker = Number(
        spawnSync('pgrep', ['-P', String(cli.child.pid)], { encoding: 'utf8' }).stdout.trim(),
      );
      expect(worker).toBeGreaterThan(0);
      process.kill(worker, 'SIGTERM');
      await cli.waitFor('Warm shutdown');
      expect((await cli.exited).code).toBe(0);
      await groupGone(cli.child.pid!);
    },
    60_000,
  );
});
