/**
 * TLS on Redis (issue 17): a private `redis-server --tls-port` that requires client
 * certificates, with certificates made by openssl here. Tasks round-trip over `rediss://`
 * for the broker and the result backend with kombu's `ssl_*` URL parameters; a wrong CA,
 * a wrong host name and a missing file each fail with one line naming the (masked) URL
 * and what failed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import {
  RedisConnectionError,
  createRedisResultBackend,
  createRedisTransport,
} from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import type { ServerProcess } from './redis-servers.js';
import { baseArgs, freePort, startServer, tempDir } from './redis-servers.js';
import type { TestCertificates } from './redis-tls-certs.js';
import { makeCertificates } from './redis-tls-certs.js';

const PASSWORD = 'tls-secret-pw';
let dir: { dir: string; remove: () => void } | undefined;
let certs: TestCertificates;
let server: ServerProcess | undefined;
let port = 0;

/** A `rediss://` URL of the private server with kombu's TLS parameters. */
function url(params: Record<string, string>, host = '127.0.0.1'): string {
  const query = new URLSearchParams(params).toString();
  return `rediss://:${PASSWORD}@${host}:${port}/0?${query}`;
}
const good = () =>
  url({
    ssl_cert_reqs: 'required',
    ssl_ca_certs: certs.ca,
    ssl_certfile: certs.clientCert,
    ssl_keyfile: certs.clientKey,
  });

beforeAll(async () => {
  dir = tempDir('redis-tls');
  certs = await makeCertificates(dir.dir);
  port = await freePort();
  const args = [...baseArgs(0, dir.dir), '--bind', '127.0.0.1 127.0.0.2'];
  args.push('--tls-port', String(port), '--requirepass', PASSWORD);
  args.push('--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey);
  args.push('--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'yes');
  server = await startServer(port, args, {
    password: PASSWORD,
    tls: {
      ca: [readFileSync(certs.ca)],
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.kill();
  dir?.remove();
});

describe('Redis over TLS', () => {
  it('runs tasks over rediss:// for the broker and the result backend', async () => {
    const worker = createWorker({
      transport: createRedisTransport(good(), { visibilityTimeout: 30 }),
      backend: createRedisResultBackend(good()),
      queues: ['tls'],
      concurrency: 4,
      logger: silentLogger,
      control: false,
      hostname: `tls-${process.pid}@test`,
      tasks: [implementTask('tls.add', (_ctx, a: number, b: number) => a + b)],
    });
    await using client = createClient({
      transport: createRedisTransport(good()),
      backend: createRedisResultBackend(good()),
      ownTransport: true,
      ownBackend: true,
    });
    try {
      await worker.start();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          client.sendTask('tls.add', [n, 1], {}, { queue: 'tls' }),
        ),
      );
      const sums = await Promise.all(results.map((r) => r.get({ timeoutMs: 15_000 })));
      expect(sums).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    } finally {
      await worker.stop();
    }
  });

  it('refuses a server whose certificate the given CA did not sign: one line, password masked', async () => {
    const bad = url({ ssl_cert_reqs: 'required', ssl_ca_certs: certs.otherCa });
    const transport = createRedisTransport(bad);
    const error = await transport.connect().catch((e: unknown) => e);
    await transport.close();
    expect(error).toBeInstanceOf(RedisConnectionError);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(`^Cannot connect to Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0\\?`),
    );
    expect(message).toMatch(
      /TLS certificate check failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
    );
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('\n');
    expect((error as RedisConnectionError).retryable).toBe(true);

    const backend = createRedisResultBackend(bad);
    const backendError = await backend.connect().catch((e: unknown) => e);
    await backend.close();
    expect((backendError as Error).message).toMatch(
      /^Cannot connect to Redis at rediss:.*TLS certificate check failed/,
    );
  });

  it('checks the host name unless ssl_check_hostname=false; ssl_cert_reqs=none skips verification', async () => {
    const client = { ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey };
    const wrongHost = url(
      { ssl_cert_reqs: 'required', ssl_ca_certs: certs.ca, ...client },
      '127.0.0.2',
    );
    const transport = createRedisTransport(wrongHost);
    const error = await transport.connect().catch((e: unknown) => e);
    await transport.close();
    expect((error as Error).message).toMatch(
      /TLS certificate check failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );

    for (const ok of [
      url(
        {
          ssl_cert_reqs: 'required',
          ssl_ca_certs: certs.ca,
          ssl_check_hostname: 'false',
          ...client,
        },
        '127.0.0.2',
      ),
      url({ ssl_cert_reqs: 'CERT_NONE', ...client }),
    ]) {
      const t = createRedisTransport(ok);
      try {
        await t.connect();
        expect(await t.queueLength('nothing-here')).toBe(0);
      } finally {
        await t.close();
      }
    }
  });

  it('names a bad TLS parameter or an unreadable file at construction, in one line', () => {
    expect(() => createRedisTransport(url({ ssl_cert_reqs: 'maybe' }))).toThrow(
      /^Invalid ssl_cert_reqs="maybe" in rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0\?ssl_cert_reqs=maybe: use required, optional or none$/,
    );
    expect(() => createRedisResultBackend(url({ ssl_ca_certs: '/nonexistent/ca.pem' }))).toThrow(
      /^Cannot read ssl_ca_certs=\/nonexistent\/ca\.pem of rediss:\/\/:\*\*\*@.*: ENOENT$/,
    );
  });
});
