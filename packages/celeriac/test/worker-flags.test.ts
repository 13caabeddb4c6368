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
  });

  it('--control-key-file reads the key (without its newline, as celeriac control does)', () => {
    const keyOf = (control: unknown) =>
      Buffer.from((control as { key: Uint8Array }).key).toString();
    expect(keyOf(parse(['--control-key-file', keyFile]).control)).toBe('f'.repeat(64));
  });

  it('--allow-unsigned-control and --without-control', () => {
    expect(parse(['--allow-unsigned-control']).control).toEqual({ allowUnsigned: true });
    expect(parse(['--without-control']).control).toBe(false);
    expect(() =>
      parse(['--without-heartbeat', '--without-gossip', '--without-mingle']),
    ).not.toThrow();
  });

  it('a missing file or a short key is one clear line', () => {
    expect(() => parse(['--control-key-file', join(dir, 'nope')])).toThrow(
      /cannot read the control key file .*nope: ENOENT/,
    );
    writeFileSync(join(dir, 'short'), 'abc');
    expect(() => parse(['--control-key-file', join(dir, 'short')])).toThrow(
      /is 3 bytes; at least 16 are needed/,
    );
  });
});
