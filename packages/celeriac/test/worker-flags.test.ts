import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addWorkerFlags, workerOptionsFrom, type WorkerFlags } from '../src/cli/worker-flags.js';
import type { LoadedApp } from '../src/cli/load-app.js';

const loaded = {} as LoadedApp;

function parse(args: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const command = addWorkerFlags(new Command('worker')).exitOverride();
    command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    command.parse(args, { from: 'user' });
    return workerOptionsFrom(command.opts<WorkerFlags>(), loaded);
  } finally {
    process.env = saved;
  }
}

describe('celeriac worker: remote-control flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-key-'));
  const keyFile = join(dir, 'control.key');
  writeFileSync(keyFile, 'f'.repeat(64) + '\n');

  it('leaves control to the app (its key, or $CELERIAC_CONTROL_KEY) without flags', () => {
    expect(parse([]).control).toBeUndefined();
    // The key file reaches the worker through the app (test/cli/control-key.test.ts).
    expect(parse(['--control-key-file', keyFile]).control).toBeUndefined();
  });

  it('--allow-unsigned-control and --without-control', () => {
    expect(parse(['--allow-unsigned-control']).control).toEqual({ allowUnsigned: true });
    expect(parse(['--without-control']).control).toBe(false);
    expect(() =>
      parse(['--without-heartbeat', '--without-gossip', '--without-mingle']),
    ).not.toThrow();
  });
});
