/**
 * A celeriac worker with a control key, operated by Python Celery 5.2 and by celeriac on
 * Redis: an unsigned `celery control shutdown` from Python is refused (the worker keeps
 * running and logs one line naming the command and the caller; Python gets the reason as
 * the reply), `celery inspect ping` is answered unsigned, and the same shutdown signed
 * with the key stops the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pidbox, encodeControlRequest, uuid4 } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask } from '@celeriac/worker';
import { createRecordingLogger } from '../../../packages/worker/src/logger.js';
import { jsonLines, runPython } from '../../support/python-celery.js';
import { REDIS_URL, shortId } from '../worker/support/python.js';
import { deleteRedisKeys } from '../worker/support/redis.js';

const KEY = 'the fleet control key, 32 bytes!';
const PYTHON_DIR = new URL('./python/', import.meta.url).pathname;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pythonControl(spec: Record<string, unknown>) {
  const out = await runPython(['control_broadcast.py', JSON.stringify(spec)], {
    dir: PYTHON_DIR,
    env: {},
  });
  return (jsonLines(out)[0] as { replies: Record<string, unknown>[] }).replies;
}

describe('remote control needs the control key', () => {
  it('Redis: Python’s unsigned shutdown is refused and logged; ping answered; a signed shutdown stops it', async () => {
    const id = shortId();
    const prefix = `celeriac-gate-${id}:`;
    const node = `gate-${id}@test`;
    cleanups.push(() => deleteRedisKeys(prefix, []));
    const logger = createRecordingLogger();
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    const worker = createWorker({
      transport,
      backend: createRedisResultBackend(REDIS_URL),
      tasks: [implementTask('gate.noop', () => null)],
      queues: [`gate.${id}`],
      hostname: node,
      logger,
      control: { key: KEY },
      ownTransport: true,
      ownBackend: true,
    });
    await worker.start();
    cleanups.push(() => worker.stop());
    const spec = { broker: REDIS_URL, prefix, destination: [node] };

    const refused = await pythonControl({ ...spec, method: 'shutdown' });
    expect(refused).toHaveLength(1);
    expect(String((refused[0]![node] as { error: string }).error)).toMatch(
      /^refused control command "shutdown" from caller [\w-]+: unsigned/,
    );
    const warned = logger.lines.filter(
      (l) => l.level === 'warn' && l.message.includes('"shutdown"'),
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]!.message).not.toContain('\n');
    expect(worker.state).toBe('running');
    expect(await pythonControl({ ...spec, method: 'ping' })).toEqual([{ [node]: { ok: 'pong' } }]);

    const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(() => producer.close());
    await producer.connect();
    const signed = encodeControlRequest(
      {
        method: 'shutdown',
        arguments: {},
        destination: [node],
        pattern: null,
        matcher: null,
        ticket: uuid4(),
      },
      { clock: 1, key: KEY },
    );
    await producer.publish(signed, { exchange: Pidbox.exchange, routingKey: '' });
    await waitFor(() => worker.state === 'stopped', 10_000);
  }, 60_000);
});
