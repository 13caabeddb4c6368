import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));
const fixtureApp = fileURLToPath(new URL('./fixtures/cli-app.ts', import.meta.url));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}) {
  // One process (node --import tsx), not tsx's CLI, which relays signals to a child.
  const child = spawn(
    process.execPath,
    ['--conditions=@celeriac/source', '--import', 'tsx', run, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<Finished>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, finished, output: () => stdout + stderr };
}

describe('celeriac CLI', () => {
  it('prints usage and refuses unknown commands and bad options', async () => {
    const help = await cli(['--help']).finished;
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: celeriac <command>');
    const unknown = await cli(['frobnicate']).finished;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const noApp = await cli(['worker']).finished;
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toContain('--app is required');
    const badArgs = await cli(['call', 'x', '--args', '{nope']).finished;
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toContain('--args is not valid JSON');
    const missing = await cli(['worker', '--app', './no/such/app.ts']).finished;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('runs a worker from a TypeScript app and answers `call --wait`, then stops warm on SIGTERM', async () => {
    const queue = `cli-${randomUUID()}`;
    const env = { CLI_TEST_BROKER: 'redis://127.0.0.1:6379/0', CLI_TEST_QUEUE: queue };
    const worker = cli(['worker', '--app', fixtureApp, '-Q', queue, '-c', '2'], env);
    try {
      await waitFor(() => worker.output().includes('ready'), 20_000, worker.output);
      const call = await cli(
        [
          'call',
          'cli_test.multiply',
          '--args',
          '[6, 7]',
          '--broker',
          'redis://127.0.0.1:6379/0',
          '-Q',
          queue,
          '--wait',
        ],
        env,
      ).finished;
      expect(call.stderr).toBe('');
      expect(call.code).toBe(0);
      const [id, value] = call.stdout.trim().split('\n');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(value).toBe('42');
    } finally {
      worker.child.kill('SIGTERM');
    }
    const done = await worker.finished;
    expect(done.code).toBe(0);
    expect(done.stdout + done.stderr).toContain('Warm shutdown');
  }, 60_000);
});

async function waitFor(check: () => boolean, timeoutMs: number, detail: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
