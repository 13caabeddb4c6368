/**
 * `celeriac control` and `celeriac inspect` sign their requests with the control key from
 * `--control-key-file` or `$CELERIAC_CONTROL_KEY`: the messages on the real Redis carry
 * the signature header, and it verifies with the key (`verifyControlRequest`). A key file
 * that cannot be read or is too short is one line and exit code 1. End to end: a
 * `celeriac worker` given the key refuses an unsigned `celeriac control shutdown` (it keeps
 * running, logs the refusal) and stops on the signed one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celeriac/testing';
import {
  CONTROL_SIGNATURE_HEADER,
  decodeControlRequest,
  verifyControlRequest,
} from '@celeriac/protocol';
import type { BrokerMessage } from '@celeriac/protocol';
import { createRedisTransport } from '@celeriac/redis';
import { BIN, CLI_TEST_APP, killLeftovers, runCli, spawnCli } from '../support/cli-process.js';
import { REDIS, redisScope } from '../support/cli-redis.js';

afterAll(() => killLeftovers());

const KEY = 'a3f1c0de'.repeat(8); // 64 hex characters, as `openssl rand -hex 32` writes

describe('control requests signed by the CLI on Redis', () => {
  it(
    '--control-key-file and $CELERIAC_CONTROL_KEY sign; the signature verifies',
    { timeout: 60_000 },
    async () => {
      const scope = redisScope();
      const spy = createRedisTransport(REDIS, { globalKeyprefix: scope.prefix });
      const dir = mkdtempSync(path.join(tmpdir(), 'cli-control-key-'));
      const keyFile = path.join(dir, 'control.key');
      writeFileSync(keyFile, `${KEY}\n`);
      try {
        await spy.connect();
        await spy.declareExchange({ name: 'celery.pidbox', type: 'fanout' });
        await spy.declareQueue({ name: 'spy.celery.pidbox' });
        await spy.bindQueue({
          queue: 'spy.celery.pidbox',
          exchange: 'celery.pidbox',
          routingKey: '',
        });
        const seen: BrokerMessage[] = [];
        await spy.consume(
          ['spy.celery.pidbox'],
          (delivery) => {
            seen.push(delivery.message);
            void delivery.ack();
          },
          { prefetch: 10 },
        );
        const cli = (args: string[], env: Record<string, string> = {}) =>
          runCli([...args, '-A', CLI_TEST_APP, '-t', '0.3'], { env: { ...scope.env, ...env } });

        // No worker answers: exit code 1, but the request was published, signed.
        const control = await cli([
          'control',
          'rate_limit',
          'cli_test.nap',
          '5/m',
          '--control-key-file',
          keyFile,
        ]);
        expect(control.code).toBe(1);
        expect(control.stderr).toContain('no node replied to rate_limit');
        const inspect = await cli(['inspect', 'ping'], { CELERIAC_CONTROL_KEY: KEY });
        expect(inspect.code).toBe(1);
        const unsigned = await cli(['control', 'pool_grow', '2']);
        expect(unsigned.code).toBe(1);
        await waitFor(() => seen.length === 3, {
          timeoutMs: 10_000,
          description: 'three requests',
        });

        const byMethod = new Map(seen.map((m) => [decodeControlRequest(m).method, m]));
        for (const method of ['rate_limit', 'ping']) {
          const message = byMethod.get(method)!;
          expect(message.headers[CONTROL_SIGNATURE_HEADER]).toMatch(
            /^t=\d+,n=[\w-]+,v1=[0-9a-f]{64}$/,
          );
          expect(() => verifyControlRequest(message, KEY)).not.toThrow();
          expect(() => verifyControlRequest(message, 'b'.repeat(64))).toThrow(/signature/);
        }
        expect(byMethod.get('pool_grow')!.headers[CONTROL_SIGNATURE_HEADER]).toBeUndefined();

        // A key that cannot be used is one line, exit code 1; nothing is sent.
        writeFileSync(keyFile, 'short\n');
        const short = await cli(['control', 'shutdown', '--control-key-file', keyFile]);
        expect(short.code).toBe(1);
        expect(short.stderr.trim()).toBe(
          `celeriac control: the control key in ${keyFile} is 5 bytes; at least 16 are needed (generate one with \`openssl rand -hex 32\`)`,
        );
        const missing = await cli(['control', 'shutdown', '--control-key-file', `${keyFile}.nope`]);
        expect(missing.code).toBe(1);
        expect(missing.stderr.trim()).toBe(
          `celeriac control: cannot read the control key file ${keyFile}.nope: ENOENT`,
        );
        expect(seen.length).toBe(3);
      } finally {
        await spy.close();
        await scope.cleanup();
      }
    },
  );

  it(
    'a worker with the key: an unsigned shutdown is refused and logged, the signed one stops it',
    { timeout: 90_000 },
    async () => {
      const scope = redisScope();
      const dir = mkdtempSync(path.join(tmpdir(), 'cli-control-key-'));
      const keyFile = path.join(dir, 'control.key');
      writeFileSync(keyFile, `${KEY}\n`);
      const node = `keyed-${scope.queue}@test`;
      const worker = spawnCli(
        BIN,
        ['worker', '-A', CLI_TEST_APP, '-c', '1', '-n', node, '--control-key-file', keyFile],
        { env: scope.env },
      );
      try {
        await worker.waitFor(' ready.');
        const cli = (args: string[], env: Record<string, string> = {}) =>
          runCli([...args, '-A', CLI_TEST_APP, '-d', node, '-t', '3'], {
            env: { ...scope.env, ...env },
          });
        // A cast (no reply): the refusal shows in the worker's log.
        await cli(['control', 'shutdown']);
        await waitFor(
          () => /Remote control: refused control command "shutdown"/.test(worker.output()),
          {
            timeoutMs: 10_000,
            description: 'the refusal in the worker’s log',
          },
        );
        expect(worker.child.exitCode).toBeNull();
        await cli(['control', 'shutdown'], { CELERIAC_CONTROL_KEY: KEY });
        expect((await worker.exited).code).toBe(0);
      } finally {
        if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
        await worker.exited;
        await scope.cleanup();
      }
    },
  );
});
