/**
 * Against real Python Celery 5.2 on real RabbitMQ with the `rpc://` result backend: a
 * Python client's tasks run on a celeriac worker and the client reads the replies;
 * `celery inspect ping` sees the worker.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAmqpTransport, createRpcResultBackend } from '@celeriac/amqp';
import { createRecordingLogger, createWorker, implementTask } from '@celeriac/worker';

const AMQP = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

function python(spec: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [`${PYTHON_DIR}client.py`, JSON.stringify(spec)], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`client.py exited ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
    });
  });
}

describe('interop with Python Celery 5.2 over RabbitMQ (rpc:// results)', () => {
  it('runs a Python client’s tasks and the client reads the rpc replies', async () => {
    const suffix = randomBytes(4).toString('hex');
    const queue = `interop-${suffix}`;
    const node = `ts-${suffix}@test`;
    const transport = createAmqpTransport(AMQP);
    const backend = createRpcResultBackend('rpc://', { transport });
    const worker = createWorker({
      transport,
      backend,
      queues: [queue],
      hostname: node,
      logger: createRecordingLogger(),
      tasks: [
        implementTask('interop.add', async (_ctx, a: number, b: number) => a + b),
        implementTask('interop.fail', async (_ctx, msg: string) => {
          throw new TypeError(msg);
        }),
      ],
    });
    await worker.start();
    try {
      const [add, fail, inspect] = await python({
        broker: AMQP,
        backend: 'rpc://',
        calls: [
          { task: 'interop.add', args: [20, 22], options: { queue } },
          { task: 'interop.fail', args: ['bad'], options: { queue } },
        ],
        inspect: [node],
      });
      expect(add).toMatchObject({ state: 'SUCCESS', result: 42 });
      expect(fail).toMatchObject({ state: 'FAILURE', exc_type: 'TypeError', exc_args: ['bad'] });
      expect(inspect).toMatchObject({ ping: { [node]: { ok: 'pong' } } });
    } finally {
      await worker.stop();
      await transport.deleteQueue(queue).catch(() => {});
      await transport.close();
    }
  }, 90_000);
});
