/**
 * Issue 17, signed task messages end to end on Redis, against a real Python Celery 5.2.6
 * worker configured with `app.setup_security()` (`task_serializer = 'auth'`,
 * `accept_content = ['auth']`):
 *
 * - a celeriac client given `security` (key, cert) sends tasks the Python worker verifies
 *   and runs; celeriac reads the results;
 * - a task signed by a key the worker's store does not hold is refused by Python and
 *   never run;
 * - a Python-signed task taken off the queue by celeriac verifies with
 *   `verifyTaskMessage`, and the same message tampered, checked against another store,
 *   or after its certificate expired is refused with one line naming the reason.
 */
import { mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import {
  createMessageSecurity,
  uuid4,
  verifyTaskMessage,
  type BrokerMessage,
  type Delivery,
} from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import {
  makePki,
  type Issued,
  type TestPki,
} from '../../../packages/protocol/test/certificates.js';
import {
  jsonLines,
  killPythonChildren,
  runPython,
  startCeleryWorker,
  type PythonLaunch,
} from '../../support/python-celery.js';
import { TEST_REDIS_URL, deleteRedisKeys } from '../../support/redis-keys.js';

const PYTHON_DIR = join(import.meta.dirname, 'python');

let pki: TestPki;
let worker: Issued; // the Python side's key: its worker and client sign with it
let client: Issued; // celeriac's client
let stranger: Issued; // in no store
let store: string;

beforeAll(() => {
  pki = makePki();
  worker = pki.issue('py-worker');
  client = pki.issue('ts-client');
  stranger = pki.selfSigned('stranger');
  store = join(pki.dir, 'store');
  mkdirSync(store);
  copyFileSync(worker.certPath, join(store, 'py-worker.pem'));
  copyFileSync(client.certPath, join(store, 'ts-client.pem'));
});
afterAll(() => pki.remove());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function names() {
  const id = uuid4().slice(0, 8);
  return { prefix: `celeriac-sec-${id}:`, queue: `sec.${id}` };
}

function launch(prefix: string, queue: string): PythonLaunch {
  return {
    dir: PYTHON_DIR,
    env: {
      SEC_BROKER: TEST_REDIS_URL,
      SEC_PREFIX: prefix,
      SEC_QUEUE: queue,
      SEC_KEY: worker.keyPath,
      SEC_CERT: worker.certPath,
      SEC_STORE: store,
    },
  };
}

function storeEntries(...members: Issued[]) {
  return members.map((m, i) => ({ name: `cert-${i}.pem`, pem: m.certPem }));
}

describe('signed tasks between celeriac and a Python worker with setup_security() (Redis)', () => {
  it('a celeriac-signed task runs on Python; an untrusted signer is refused and never run', async () => {
    const { prefix, queue } = names();
    const ids: string[] = [];
    const transport = createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix });
    const backend = createRedisResultBackend(TEST_REDIS_URL);
    const signed = createClient({
      transport,
      backend,
      defaultQueue: queue,
      security: { key: client.keyPem, cert: client.certPem, digest: 'sha256' },
    });
    const forged = createClient({
      transport,
      backend,
      defaultQueue: queue,
      security: { key: stranger.keyPem, cert: stranger.certPem },
    });
    cleanups.push(async () => {
      await signed.close();
      await forged.close();
      await transport.close();
      await backend.close();
      await deleteRedisKeys(
        prefix,
        ids.map((id) => `celery-task-meta-${id}`),
      );
    });
    const python = await startCeleryWorker({
      ...launch(prefix, queue),
      app: 'secure_app',
      queues: [queue],
      nodename: `py-sec-${prefix.slice(13, 21)}@interop`,
    });

    // The forged one goes first: the solo worker has handled it when the next one is done.
    const refused = await forged.sendTask('sec.add', [1, 1]);
    const added = await signed.sendTask<number>('sec.add', [20, 22]);
    const echoed = await signed.sendTask('sec.echo', ['ünï', 1.5], { k: [1, null] });
    ids.push(refused.id, added.id, echoed.id);

    await expect(added.get({ timeoutMs: 20_000 })).resolves.toBe(42);
    await expect(echoed.get({ timeoutMs: 20_000 })).resolves.toEqual({
      args: ['ünï', 1.5],
      kwargs: { k: [1, null] },
    });
    expect(await refused.state()).toBe('PENDING');
    // Celery 5.2 logs the refusal, naming the unknown signer, and discards the message.
    expect(python.output()).toMatch(
      new RegExp(`Can't decode message body: .*'id': '${refused.id}'`),
    );
    expect(python.output()).toMatch(/Unknown certificate: b'celeriac tests stranger 1000'/);
    expect(python.output()).not.toMatch(new RegExp(`Task sec\\.add\\[${refused.id}\\] succeeded`));
    await python.stop();
  }, 60_000);

  it('a Python-signed task verifies in celeriac; tampered, untrusted and expired are refused', async () => {
    const { prefix, queue } = names();
    const transport = createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(async () => {
      await transport.close();
      await deleteRedisKeys(prefix);
    });
    const id = uuid4();
    const out = await runPython(
      [
        'secure_client.py',
        JSON.stringify([{ task: 'sec.add', args: [2, 3], kwargs: { note: 'café ✓' }, id }]),
      ],
      launch(prefix, queue),
    );
    expect(jsonLines(out)).toEqual([{ sent: id }]);

    await transport.connect();
    const message = await new Promise<BrokerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing on ${queue}`)), 10_000);
      void transport
        .consume(
          [queue],
          (delivery: Delivery) => {
            clearTimeout(timer);
            void delivery.ack().then(() => resolve(delivery.message));
          },
          { prefetch: 1 },
        )
        .then((subscription) => cleanups.push(() => subscription.cancel()));
    });
    expect(message.contentType).toBe('application/data');

    const trusting = createMessageSecurity({ store: storeEntries(worker) });
    const verdict = verifyTaskMessage(message, trusting, { queue });
    expect(verdict.accepted).toBe(true);
    if (!verdict.accepted) return;
    expect(verdict.task.headers).toMatchObject({ task: 'sec.add', id });
    expect(verdict.task.args).toEqual([2, 3]);
    expect(verdict.task.kwargs).toEqual({ note: 'café ✓' });
    expect(verdict.signer).toMatch(/celeriac tests/);

    const refusal = (m: BrokerMessage, auth = trusting): string => {
      const v = verifyTaskMessage(m, auth, { queue });
      if (v.accepted) throw new Error('accepted');
      expect(v.line.split('\n')).toHaveLength(1);
      return v.line;
    };
    const body = Buffer.from(message.body).toString('latin1');
    const at = body.length - 6;
    const tampered = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
    expect(refusal({ ...message, body: Buffer.from(tampered, 'latin1') })).toMatch(
      new RegExp(
        `^refused task ${id} \\(sec\\.add\\) from queue ${queue.replace('.', '\\.')}: .*\\(bad-signature\\)$`,
      ),
    );
    expect(refusal(message, createMessageSecurity({ store: storeEntries(stranger) }))).toMatch(
      /\(untrusted\)$/,
    );
    const later = Date.now() + 10 * 86_400_000; // test certificates last two days
    const expired = createMessageSecurity({ store: storeEntries(worker), now: () => later });
    expect(refusal(message, expired)).toMatch(/\(expired\)$/);
  }, 60_000);
});
