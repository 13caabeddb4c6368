/**
 * Canvas results over `rpc://` (issue 13): a chain or a group of chains sent by celeriac's
 * client returns its result, whichever worker runs it — a Python Celery 5.2 worker or a
 * celeriac worker on RabbitMQ. Every step carries the client's `reply_to` in its signature
 * options, as Celery's `Signature.freeze` puts `app.thread_oid` there, so the step a
 * worker sends from the `chain` embed replies to the client's queue, not the worker's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chain, createApp, defineTask, group, type App } from 'celeriac';
import { createAmqpTransport } from '@celeriac/amqp';
import {
  AMQP_URL,
  killPythonChildren,
  shortId,
  startPythonWorker,
} from '../worker/support/python.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The Python app's `wk.add` (test/interop/worker/python/worker_app.py). */
const add = defineTask('wk.add', { args: z.tuple([z.number(), z.number()]), result: z.number() });

/** An app on RabbitMQ with `rpc://` results and `queue` as its default queue. */
function rpcApp(queue: string): App {
  const app = createApp({
    broker: AMQP_URL,
    defaultQueue: queue,
    amqp: { logger: { warn: () => undefined } },
  });
  app.task(add, (_ctx, a, b) => a + b);
  cleanups.push(async () => {
    await app.close();
    const admin = createAmqpTransport(AMQP_URL, { logger: { warn: () => undefined } });
    await admin.deleteQueue(queue);
    await admin.close();
  });
  return app;
}

/** Chain and group-of-chains results through the app's client, read over rpc://. */
async function expectCanvasResults(app: App, queue: string): Promise<void> {
  expect(app.backendUrl).toBe('rpc://');
  const client = await app.client();
  const p = client.task(add);
  const flow = await client.send(chain(p.s(1, 2), p.s(3), p.s(4)), { queue });
  await expect(flow.get({ timeoutMs: 15_000 })).resolves.toBe(10);
  const fanned = await client.send(
    group(chain(p.s(1, 1), p.s(1)), chain(p.s(10, 10), p.s(10), p.s(10))),
  );
  await expect(fanned.get({ timeoutMs: 15_000 })).resolves.toEqual([3, 40]);
}

describe('rpc:// canvas results from celeriac’s client (RabbitMQ)', () => {
  it('a chain and a group of chains return from a Python Celery worker', async () => {
    const queue = `rpc-chain-py-${shortId()}`;
    const app = rpcApp(queue);
    await startPythonWorker({ broker: AMQP_URL, backend: 'rpc://', queue }, [queue]);
    await expectCanvasResults(app, queue);
  }, 60_000);

  it('a chain and a group of chains return from a celeriac worker', async () => {
    const queue = `rpc-chain-ts-${shortId()}`;
    const app = rpcApp(queue);
    const worker = await app.worker({
      queues: [queue],
      logger: quiet,
      hostname: `ts-${queue}@test`,
    });
    await worker.start();
    await expectCanvasResults(app, queue);
  }, 60_000);
});
