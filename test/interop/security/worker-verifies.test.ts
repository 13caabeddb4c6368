/**
 * Issue 17, the celeriac worker's side of signed task messages, on Redis: a worker given
 * `security` (the trusted certificates, and its own key to sign its follow-ups) runs a
 * task a Python Celery 5.2 client signed with `app.setup_security()` and one a celeriac
 * client signed, and refuses an unsigned one and one from a signer outside its store:
 * rejected, one log line naming the task, its queue and the reason, never run.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import { uuid4 } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask } from '@celeriac/worker';
import { createRecordingLogger } from '../../../packages/worker/src/logger.js';
import {
  makePki,
  type Issued,
  type TestPki,
} from '../../../packages/protocol/test/certificates.js';
import { jsonLines, runPython } from '../../support/python-celery.js';
import { TEST_REDIS_URL, deleteRedisKeys } from '../../support/redis-keys.js';

const PYTHON_DIR = join(import.meta.dirname, 'python');
let pki: TestPki;
let python: Issued;
let celeriac: Issued;
let stranger: Issued;
let store: string;

beforeAll(() => {
  pki = makePki();
  python = pki.issue('py-client');
  celeriac = pki.issue('ts-worker');
  stranger = pki.selfSigned('stranger');
  store = join(pki.dir, 'store');
  mkdirSync(store);
  copyFileSync(python.certPath, join(store, 'py-client.pem'));
  copyFileSync(celeriac.certPath, join(store, 'ts-worker.pem'));
});
afterAll(() => pki.remove());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a celeriac worker verifying signed tasks (Redis)', () => {
  it('runs Python- and celeriac-signed tasks; refuses unsigned and untrusted ones, logged, never run', async () => {
    const id = uuid4().slice(0, 8);
    const prefix = `celeriac-secw-${id}:`;
    const queue = `secw.${id}`;
    const ran: number[][] = [];
    const logger = createRecordingLogger();
    const trusted = [python, celeriac].map((m, i) => ({ name: `c${i}.pem`, pem: m.certPem }));
    const worker = createWorker({
      transport: createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
      backend: createRedisResultBackend(TEST_REDIS_URL),
      tasks: [
        implementTask('sec.add', (_ctx, a: number, b: number) => {
          ran.push([a, b]);
          return a + b;
        }),
      ],
      queues: [queue],
      hostname: `secw-${id}@test`,
      logger,
      security: { store: trusted, key: celeriac.keyPem, cert: celeriac.certPem },
      ownTransport: true,
      ownBackend: true,
    });
    await worker.start();
    const transport = createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix });
    const backend = createRedisResultBackend(TEST_REDIS_URL);
    const plain = createClient({ transport, backend, defaultQueue: queue });
    const signed = createClient({
      transport,
      backend,
      defaultQueue: queue,
      security: { key: celeriac.keyPem, cert: celeriac.certPem },
    });
    const forged = createClient({
      transport,
      backend,
      defaultQueue: queue,
      security: { key: stranger.keyPem, cert: stranger.certPem },
    });
    const ids: string[] = [];
    cleanups.push(async () => {
      await worker.stop();
      for (const c of [plain, signed, forged]) await c.close();
      await transport.close();
      await backend.close();
      await deleteRedisKeys(
        prefix,
        ids.map((i) => `celery-task-meta-${i}`),
      );
    });

    const unsigned = await plain.sendTask('sec.add', [1, 1]);
    const untrusted = await forged.sendTask('sec.add', [2, 2]);
    const pyId = uuid4();
    const out = await runPython(
      ['secure_client.py', JSON.stringify([{ task: 'sec.add', args: [20, 22], id: pyId }])],
      {
        dir: PYTHON_DIR,
        env: {
          SEC_BROKER: TEST_REDIS_URL,
          SEC_PREFIX: prefix,
          SEC_QUEUE: queue,
          SEC_KEY: python.keyPath,
          SEC_CERT: python.certPath,
          SEC_STORE: store,
        },
      },
    );
    expect(jsonLines(out)).toEqual([{ sent: pyId }]);
    const ours = await signed.sendTask<number>('sec.add', [3, 4]);
    ids.push(unsigned.id, untrusted.id, pyId, ours.id);

    await expect(ours.get({ timeoutMs: 20_000 })).resolves.toBe(7);
    const fromPython = await waitFor(async () => {
      const meta = await backend.get(pyId);
      return meta.status === 'SUCCESS' ? meta : undefined;
    }, 20_000);
    expect(fromPython.result).toBe(42);
    expect(ran).toEqual(
      expect.arrayContaining([
        [20, 22],
        [3, 4],
      ]),
    );
    expect(ran).toHaveLength(2);
    expect(await unsigned.state()).toBe('PENDING');
    expect(await untrusted.state()).toBe('PENDING');
    const refusals = logger.lines.filter((l) => l.message.startsWith('Rejecting message'));
    expect(refusals.map((l) => l.fields?.id)).toEqual(
      expect.arrayContaining([unsigned.id, untrusted.id]),
    );
    for (const line of refusals) {
      expect(line.fields).toMatchObject({ queue });
      expect(line.message).not.toContain('\n');
    }
    expect(refusals.find((l) => l.fields?.id === untrusted.id)!.message).toMatch(
      /signed by "celeriac tests stranger 1000", which is not in the certificate store/,
    );
  }, 60_000);
});
