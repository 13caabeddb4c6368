/**
 * A private `redis-server` child on a free loopback port (never the shared Redis), for
 * tests that need a server to be absent first, or to stop.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitFor } from '@celeriac/testing';

/** Start `redis-server` on `port` with `args`; resolves once it answers PING. */
export async function startRedisServer(
  port: number,
  args: readonly string[] = [],
): Promise<ChildProcess & AsyncDisposable> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle = Object.assign(child, {
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await gone;
    },
  });
  await waitFor(
    async () => {
      const password = args[args.indexOf('--requirepass') + 1];
      const probe = new Redis({
        port,
        lazyConnect: true,
        retryStrategy: () => null,
        ...(args.includes('--requirepass') && password ? { password } : {}),
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    { timeoutMs: 10_000, intervalMs: 20, description: `redis-server on port ${port}` },
  ).catch(async (error: unknown) => {
    await handle[Symbol.asyncDispose]();
    throw error;
  });
  return handle;
}
