/**
 * `call`, `result`, `purge` and `report` against the real Redis and RabbitMQ: results
 * and failures as a person reads them, brokers that cannot be reached named in one line
 * within a bound, an in-process broker refused, secrets masked.
 */
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, killLeftovers, runCli, spawnCli } from '../../../test/support/cli-process.js';
import type { CliProcess } from '../../../test/support/cli-process.js';
import { REDIS, redisScope } from '../../../test/support/cli-redis.js';

const app = fileURLToPath(new URL('./fixtures/cli-app.ts', import.meta.url));
const AMQP = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';

// Not afterEach: a describe's worker lives across its tests.
afterAll(() => killLeftovers());

describe('call: what cannot work is refused or named, in one line and within a bound', () => {
  it('refuses memory:// (nothing outside the process could run the task), exit 2', async () => {
    const result = await runCli(['call', 'proj.add', '-a', '[1, 2]']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('celeriac call: the broker is memory://');
    expect(result.stderr).toContain('no worker could ever see');
  });

  it('an unreachable Redis broker with a working backend: one line naming the broker', async () => {
    const started = Date.now();
    const result = await runCli([
      'call',
      'proj.add',
      '-b',
      'redis://:s3cret@127.0.0.1:1/0',
      '--backend',
      REDIS,
    ]);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^celeriac call: cannot connect to the broker at redis:\/\/:\*\*\*\*@127\.0\.0\.1:1\/0: connect ECONNREFUSED 127\.0\.0\.1:1$/,
      ),
    ]);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('an unreachable backend is named with its URL, the broker being fine', async () => {
    const result = await runCli([
      'call',
      'proj.add',
      '-b',
      REDIS,
      '--backend',
      'redis://127.0.0.1:1/3',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^celeriac call: cannot connect to the result backend at redis:\/\/127\.0\.0\.1:1\/3: connect ECONNREFUSED 127\.0\.0\.1:1$/,
      ),
    ]);
  });

  it('an unreachable RabbitMQ broker ends within the bound, naming it', async () => {
    const started = Date.now();
    const result = await runCli(['call', 'proj.add', '-b', 'amqp://guest:guest@127.0.0.1:1//']);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(25_000);
    // One clean line: the broker (not the rpc:// backend on the same server), its URL once.
    expect(result.stderr.trim().split('\n')).toEqual([
      'celeriac call: cannot connect to the broker at amqp://guest:****@127.0.0.1:1//: connection refused (ECONNREFUSED)',
    ]);
  }, 30_000);
});

describe('call, result and purge with a worker on Redis', () => {
  const scope = redisScope();
  const cli = (args: string[]) => runCli(args, { env: scope.env });
  let worker: CliProcess;

  beforeAll(async () => {
    worker = spawnCli(BIN, ['worker', '-A', app, '-c', '2'], { env: scope.env });
    await worker.waitFor('ready');
  }, 60_000);
  afterAll(async () => {
    try {
      if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
      await worker.exited;
    } finally {
      await scope.cleanup();
    }
  });

  it(
    'call --wait prints the id then the result; result ID prints it again',
    { timeout: 60_000 },
    async () => {
      const call = await cli(['call', 'cli_test.multiply', '-A', app, '-a', '[6, 7]', '--wait']);
      expect(call.code).toBe(0);
      const [id, value] = call.stdout.trim().split('\n');
      expect(value).toBe('42');
      const result = await cli(['result', id!, '-A', app]);
      expect(result).toMatchObject({ code: 0, stdout: '42\n', stderr: '' });
    },
  );

  it(
    'a task that threw a plain Error prints `Error: …` (call and result), exit 1; --traceback its stack',
    { timeout: 60_000 },
    async () => {
      const call = await cli(['call', 'cli_test.fail', '-A', app, '-a', '["boom"]', '--wait']);
      expect(call.code).toBe(1);
      const id = call.stdout.trim();
      expect(call.stderr).toBe(`celeriac call: task ${id} failed: Error: boom\n`);
      const result = await cli(['result', id, '-A', app]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`celeriac result: task ${id} failed: Error: boom\n`);
      const traceback = await cli(['result', id, '-A', app, '--traceback']);
      expect(traceback.code).toBe(0);
      expect(traceback.stdout).toMatch(/^Error: boom\n\s+at /);
    },
  );

  it('result of an id nobody knows: still PENDING after the timeout, exit 1', async () => {
    const result = await cli([
      'result',
      '00000000-0000-4000-8000-000000000000',
      '-A',
      app,
      '--timeout',
      '0.5',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is still PENDING after 0\.5 s/);
  });

  it(
    'purge -f empties a queue and says how many; without -f and no answer it purges nothing',
    { timeout: 90_000 },
    async () => {
      const idle = `${scope.queue}-idle`;
      for (let i = 0; i < 3; i++) {
        expect(
          (await cli(['call', 'cli_test.multiply', '-A', app, '-a', '[1, 1]', '-Q', idle])).code,
        ).toBe(0);
      }
      const declined = await cli(['purge', '-A', app, '-Q', idle]);
      expect(declined.code).toBe(1);
      expect(declined.stderr).toContain('Delete all these tasks (yes/NO)?');
      expect(declined.stderr).toContain('Nothing purged.');
      const purged = await cli(['purge', '-A', app, '-Q', idle, '-f']);
      expect(purged).toMatchObject({
        code: 0,
        stdout: 'Purged 3 messages from 1 known task queue.\n',
      });
      const again = await cli(['purge', '-A', app, '-Q', idle, '-f']);
      expect(again.stdout).toBe('No messages purged from 1 queue.\n');
    },
  );
});

describe('purge on RabbitMQ', () => {
  it('purges what call sent to a queue', async () => {
    const queue = `cli-purge-${Date.now()}`;
    try {
      for (let i = 0; i < 2; i++) {
        expect((await runCli(['call', 'proj.add', '-b', AMQP, '-Q', queue])).code).toBe(0);
      }
      const purged = await runCli(['purge', '-b', AMQP, '-Q', queue, '-f']);
      expect(purged).toMatchObject({
        code: 0,
        stdout: 'Purged 2 messages from 1 known task queue.\n',
      });
    } finally {
      const connection = await amqplib.connect(AMQP);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await connection.close();
    }
  });
});

describe('report', () => {
  it('prints versions, the broker and backend, settings and variables, secrets masked', async () => {
    const report = await runCli(['report', '-A', app, '-b', 'redis://:hunter2@127.0.0.1:6379/0'], {
      env: {
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer hunter2',
        CELERIAC_BROKER_URL: 'amqp://u:hunter2@h//',
      },
    });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^software -> celeriac:\d+\.\d+\.\d+ node:v\d+/);
    expect(report.stdout).toContain('broker:redis://:****@127.0.0.1:6379/0');
    expect(report.stdout).toContain('tasks: cli_test.fail, cli_test.multiply, cli_test.nap');
    expect(report.stdout).toContain('OTEL_EXPORTER_OTLP_HEADERS=********');
    expect(report.stdout).toContain('CELERIAC_BROKER_URL=amqp://u:****@h//');
    expect(report.stdout).not.toContain('hunter2');
  });
});
