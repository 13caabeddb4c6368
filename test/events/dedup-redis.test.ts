/**
 * Issue 20's dedup across processes on Redis: 4 processes each send 25 concurrent tasks
 * with one `dedupKey` (100 sends) to a celeriac worker; the handler runs once and every
 * caller gets its result, through the Redis result backend's `claimDedup`
 * (`SET NX PX`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { uuid4 } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SENDER = fileURLToPath(new URL('./dedup-sender.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function sender(env: Record<string, string>): Promise<{ ids: string[]; values: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', SENDER],
      {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as { ids: string[]; values: number[] });
      else reject(new Error(`sender exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

describe('dedup across processes (Redis)', () => {
  it('100 concurrent sends with one key from 4 processes: the handler runs once, all get its result', async () => {
    const id = uuid4().slice(0, 8);
    const prefix = `celeriac-dedup-${id}:`;
    const queue = `dedup.${id}`;
    let runs = 0;
    const worker = createWorker({
      transport: createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
      backend: createRedisResultBackend(TEST_REDIS_URL, { keyPrefix: prefix }),
      tasks: [
        implementTask('dedup.charge', async (_ctx, amount: number) => {
          runs += 1;
          await new Promise((r) => setTimeout(r, 200));
          return amount * 2;
        }),
      ],
      queues: [queue],
      hostname: `dedup-${id}@test`,
      logger: silentLogger,
      control: false,
      ownTransport: true,
      ownBackend: true,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.stop();
      await deleteRedisKeys(prefix);
    });
    const env = {
      DEDUP_URL: TEST_REDIS_URL,
      DEDUP_PREFIX: prefix,
      DEDUP_QUEUE: queue,
      DEDUP_KEY: `charge-${id}`,
      DEDUP_COUNT: '25',
    };
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => sender(env)));
    const ids = new Set(outcomes.flatMap((o) => o.ids));
    expect(ids.size).toBe(1);
    expect(outcomes.flatMap((o) => o.values)).toEqual(Array.from({ length: 100 }, () => 20));
    expect(runs).toBe(1);
  }, 60_000);
});
