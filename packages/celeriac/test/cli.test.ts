/**
 * The command line as a user meets it: help, version, usage errors (exit 2), expected
 * failures in one line (exit 1), and a worker from a TypeScript app answering `call`.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, killLeftovers, runCli, spawnCli } from '../../../test/support/cli-process.js';
import { redisScope } from '../../../test/support/cli-redis.js';

const fixtureApp = fileURLToPath(new URL('./fixtures/cli-app.ts', import.meta.url));

afterEach(() => killLeftovers());

describe('celeriac CLI', () => {
  it('prints help and the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: celeriac [options] [command]');
    for (const command of ['worker', 'call']) expect(help.stdout).toContain(command);
    const workerHelp = await runCli(['worker', '--help']);
    expect(workerHelp.code).toBe(0);
    expect(workerHelp.stdout).toContain('--max-tasks-per-child');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses unknown commands, unknown options and bad values: one line, the usage, exit 2', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("celeriac: unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('Usage: celeriac');

    const option = await runCli(['worker', '--frob']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe(
      "celeriac worker: unknown option '--frob'\n" +
        'Usage: celeriac worker [options]\n' +
        "Run 'celeriac worker --help' for its options.\n",
    );

    const noApp = await runCli(['worker']);
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toContain('--app is required');

    const badJson = await runCli(['call', 'x', '--args', '{nope']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(
      /^celeriac call: option '-a, --args <json>' argument '\{nope' is invalid\. not valid JSON/,
    );

    const badNumber = await runCli(['worker', '-A', fixtureApp, '-c', 'lots']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('expected an integer ≥ 1');

    const badPool = await runCli(['worker', '-A', fixtureApp, '-P', 'gevent']);
    expect(badPool.code).toBe(2);
    expect(badPool.stderr).toContain('Allowed choices are async, threads, processes');
  });

  it('says in one line that an --app module is missing (exit 1, no stack)', async () => {
    const missing = await runCli(['worker', '--app', './no/such/app.ts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('prints the stack of an app module that throws on import (the user’s bug), exit 1', async () => {
    const broken = fileURLToPath(new URL('./fixtures/broken-app.ts', import.meta.url));
    const result = await runCli(['worker', '-A', broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`celeriac worker: importing ${broken} failed:`);
    expect(result.stderr).toContain('Error: the configuration is missing DATABASE_URL');
    expect(result.stderr).toMatch(/at .*broken-app\.ts:\d+/);
  });

  it('runs a worker from a TypeScript app with a banner, answers `call --wait`, stops warm on SIGTERM', async () => {
    const scope = redisScope();
    const worker = spawnCli(BIN, ['worker', '--app', fixtureApp, '-c', '2'], { env: scope.env });
    try {
      await worker.waitFor('ready');
      const out = worker.stdout();
      expect(out).toMatch(/^celeriac@\S+ celeriac v\d/);
      expect(out).toContain(`transport:    ${scope.env.CLI_TEST_BROKER}`);
      expect(out).toContain(`.> ${scope.queue}`);
      expect(out).toContain('. cli_test.multiply');
      const call = await runCli(
        ['call', 'cli_test.multiply', '-A', fixtureApp, '--args', '[6, 7]', '--wait'],
        {
          env: scope.env,
        },
      );
      expect(call.stderr).toBe('');
      expect(call.code).toBe(0);
      const [id, value] = call.stdout.trim().split('\n');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(value).toBe('42');
      process.kill(worker.child.pid!, 'SIGTERM');
      const done = await worker.exited;
      expect(done.code).toBe(0);
      expect(worker.output()).toContain('Warm shutdown');
    } finally {
      await scope.cleanup();
    }
  }, 60_000);
});
