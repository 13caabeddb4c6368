/**
 * `amqps://` against a private RabbitMQ node with a TLS listener that requires a client
 * certificate; the CA and certificates are made here with openssl. Tasks round-trip with
 * the TLS files named in the URL (kombu's `ssl_*` parameters) and with the `tls` option;
 * a wrong CA, a wrong host name and a missing client certificate each fail with one line
 * naming the URL (password masked) and what failed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp, defineTask } from 'celeriac';
import { AmqpConnectError, createAmqpBeatCoordination, createAmqpTransport } from '@celeriac/amqp';
import { uniqueName } from '@celeriac/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RabbitNode } from './rabbitmq-node.js';

const run = promisify(execFile);
const openssl = (args: string[]) => run('openssl', args);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const amqpQuiet = { warn: () => undefined };

let dir: string;
let node: RabbitNode;

/** A key and a certificate signed by `ca` (self-signed when `ca` is undefined). */
async function makeCert(name: string, subject: string, ca?: string, san?: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (ca === undefined) {
    await openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      key,
      '-out',
      pem,
      '-days',
      '2',
      '-subj',
      subject,
    ]);
    return;
  }
  const csr = join(dir, `${name}.csr`);
  await openssl(['req', ...ec, '-keyout', key, '-out', csr, '-subj', subject]);
  const ext = join(dir, `${name}.ext`);
  await writeFile(
    ext,
    san === undefined ? 'basicConstraints=CA:FALSE\n' : `subjectAltName=${san}\n`,
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, `${ca}.pem`),
    '-CAkey',
    join(dir, `${ca}.key`),
    '-CAcreateserial',
    '-out',
    pem,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'celeriac-tls-'));
  await makeCert('ca', '/CN=celeriac test CA');
  await makeCert('other-ca', '/CN=some other CA');
  await makeCert('server', '/CN=localhost', 'ca', 'IP:127.0.0.1,DNS:localhost');
  await makeCert('client', '/CN=celeriac-client', 'ca');
  node = await RabbitNode.start({
    name: 'tls',
    config: (ports) =>
      [
        `listeners.ssl.default = ${ports.extra}`,
        `ssl_options.cacertfile = ${join(dir, 'ca.pem')}`,
        `ssl_options.certfile = ${join(dir, 'server.pem')}`,
        `ssl_options.keyfile = ${join(dir, 'server.key')}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
        '',
      ].join('\n'),
  });
}, 120_000);

afterAll(async () => {
  await node?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** The node's TLS URL with `params` as its query. */
function tlsUrl(params: Record<string, string>, host = '127.0.0.1'): string {
  const query = new URLSearchParams(params).toString();
  return `amqps://guest:guest@${host}:${node.ports.extra}//${query === '' ? '' : `?${query}`}`;
}

const files = () => ({
  ssl_ca_certs: join(dir, 'ca.pem'),
  ssl_certfile: join(dir, 'client.pem'),
  ssl_keyfile: join(dir, 'client.key'),
  ssl_cert_reqs: 'CERT_REQUIRED',
});

const add = defineTask('tls.add', { args: z.tuple([z.number(), z.number()]), result: z.number() });

/** The error `connect()` rejects with, checked to be one line without the password. */
async function connectError(url: string): Promise<AmqpConnectError> {
  const transport = createAmqpTransport(url, { logger: amqpQuiet, connectTimeoutMs: 5_000 });
  try {
    const error = await transport.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AmqpConnectError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain(':guest@');
    return error as AmqpConnectError;
  } finally {
    await transport.close();
  }
}

describe('amqps:// on a RabbitMQ TLS listener', () => {
  it('round-trips tasks with the CA, client certificate and key named in the URL', async () => {
    const queue = uniqueName('tls');
    const url = tlsUrl(files());
    const app = createApp({
      broker: url,
      backend: 'rpc://',
      defaultQueue: queue,
      amqp: { logger: amqpQuiet },
    });
    app.task(add, (_ctx, a, b) => a + b);
    const worker = await app.worker({
      queues: [queue],
      logger: quiet,
      hostname: `tls-${queue}@test`,
    });
    try {
      await worker.start();
      const client = await app.client();
      const results = await Promise.all(
        [1, 2, 3].map(async (i) =>
          (await client.task(add).delay(i, 10)).get({ timeoutMs: 15_000 }),
        ),
      );
      expect(results).toEqual([11, 12, 13]);
      // Every connection the node has is a TLS one (its plain listener is not used).
      const ssl = (
        await node.ctl('list_connections', 'ssl', 'peer_cert_subject', '--silent')
      ).trim();
      expect(ssl.split('\n').length).toBeGreaterThanOrEqual(2);
      expect(ssl).not.toMatch(/false/);
      expect(ssl).toContain('CN=celeriac-client');
    } finally {
      await worker.stop({ mode: 'cold' });
      await app.close();
      const admin = createAmqpTransport(node.url, { logger: amqpQuiet });
      await admin.deleteQueue(queue);
      await admin.close();
    }
  }, 60_000);

  it('takes the same material as the tls option (Celery’s broker_use_ssl)', async () => {
    const queue = uniqueName('tls-opt');
    const transport = createAmqpTransport(tlsUrl({}), {
      logger: amqpQuiet,
      tls: {
        ca: await readFile(join(dir, 'ca.pem')),
        cert: await readFile(join(dir, 'client.pem')),
        key: await readFile(join(dir, 'client.key')),
      },
    });
    try {
      await transport.connect();
      await transport.declareQueue({ name: queue, durable: false });
      await transport.publish(
        {
          body: new TextEncoder().encode('{}'),
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          headers: {},
          properties: {},
        },
        { exchange: '', routingKey: queue },
      );
      const delivered = await new Promise<string>((resolve) => {
        void transport.consume(
          [queue],
          (d) => {
            void d.ack();
            resolve(new TextDecoder().decode(d.message.body));
          },
          { prefetch: 1 },
        );
      });
      expect(delivered).toBe('{}');
      await transport.deleteQueue(queue);
    } finally {
      await transport.close();
    }
  });

  it('runs the beat coordination over TLS too', async () => {
    const namespace = uniqueName('tls-beat');
    const coordination = createAmqpBeatCoordination(tlsUrl(files()), { namespace });
    try {
      const lease = await coordination.acquireLeadership('a', 10_000);
      expect(lease?.holder).toBe('a');
    } finally {
      await coordination.close();
      const admin = createAmqpTransport(node.url, { logger: amqpQuiet });
      await admin.deleteQueue(`celeriac.beat.${namespace}.leader`);
      await admin.deleteQueue(`celeriac.beat.${namespace}.commands`);
      await admin.close();
    }
  });

  it('fails a wrong CA with one line naming the URL and the certificate problem', async () => {
    const url = tlsUrl({ ...files(), ssl_ca_certs: join(dir, 'other-ca.pem') });
    const error = await connectError(url);
    console.log(JSON.stringify({ test: 'amqps-bad-ca', message: error.message }));
    expect(error.message).toMatch(
      new RegExp(
        `^Could not connect to amqps://guest:\\*\\*\\*\\*@127\\.0\\.0\\.1:${node.ports.extra}//.*: TLS: .*(SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER)`,
      ),
    );
    expect(error.retryable).toBe(true);
  });

  it('fails a host name the certificate does not name', async () => {
    const error = await connectError(tlsUrl(files(), '127.0.0.2'));
    expect(error.message).toMatch(/127\.0\.0\.2.*TLS: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('fails without the client certificate the broker requires, and on a missing file', async () => {
    const { ssl_ca_certs } = files();
    const refused = await connectError(tlsUrl({ ssl_ca_certs }));
    expect(refused.message).toMatch(/^Could not connect to amqps:\/\/guest:\*\*\*\*@/);
    const missing = await connectError(tlsUrl({ ...files(), ssl_ca_certs: join(dir, 'nope.pem') }));
    expect(missing.message).toMatch(/ssl_ca_certs .*nope\.pem cannot be read \(ENOENT\)/);
  });

  it('refuses ssl_* parameters on a plain amqp:// URL and a bad ssl_cert_reqs, in one line', () => {
    expect(() => createAmqpTransport(`amqp://guest:secret@h//?ssl_ca_certs=/ca.pem`)).toThrow(
      /^Invalid AMQP URL "amqp:\/\/guest:\*\*\*\*@h\/\/\?ssl_ca_certs=\/ca\.pem": ssl_\* parameters need an amqps:\/\/ URL/,
    );
    expect(() => createAmqpTransport(`amqps://h//?ssl_cert_reqs=maybe`)).toThrow(
      /ssl_cert_reqs="maybe" is not CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED/,
    );
  });
});
