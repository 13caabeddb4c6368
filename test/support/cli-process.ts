/**
 * The `celeriac` command as a test runs it: through the bin (from sources, so a stale
 * build is never tested), `npx`, or anything else, in a process group of its own so that
 * the test can signal it as a terminal would and check that the whole tree is gone.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The bin, as `node_modules/.bin/celeriac` links it. */
export const BIN = fileURLToPath(
  new URL('../../packages/celeriac/bin/celeriac.js', import.meta.url),
);
/** The app module of the CLI tests (`CLI_TEST_*` variables choose broker, queue, prefix). */
export const CLI_TEST_APP = fileURLToPath(
  new URL('../../packages/celeriac/test/fixtures/cli-app.ts', import.meta.url),
);

/** A running command. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves when `pattern` shows in the output; rejects after `timeoutMs` or once every
   * process holding the output is gone.
   */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Exit code (null when killed by a signal) and signal, once the process exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout and stderr closed: every process holding them is gone. */
  readonly closed: Promise<void>;
}

/** Process groups the tests started (a group outlives its leader). */
const groups = new Set<number>();

/** Spawn `command args` in its own process group. */
export function spawnCli(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): CliProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, CELERIAC_CLI_SOURCE: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined) groups.add(child.pid);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => [...listeners].forEach((listener) => listener());
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), notify()));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), notify()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      notify();
    }),
  );
  let streamsClosed = false;
  const closed = Promise.all([
    new Promise((resolve) => child.stdout.once('close', resolve)),
    new Promise((resolve) => child.stderr.once('close', resolve)),
  ]).then(() => {
    streamsClosed = true;
    notify();
  });
  const output = () => out + err;
  return {
    child,
    output,
    stdout: () => out,
    stderr: () => err,
    exited,
    closed,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found =
            typeof pattern === 'string' ? output().includes(pattern) : pattern.test(output());
          if (found) {
            stop();
            resolve();
          } else if (streamsClosed) {
            // Not at the child's exit: behind npx, the worker outlives npm.
            stop();
            reject(new Error(`ended before ${String(pattern)}; output:\n${output()}`));
          }
        };
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output:\n${output()}`));
        }, timeoutMs);
        const stop = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Run the bin to its end. */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(process.execPath, [BIN, ...args], options);
  const { code } = await cli.exited;
  await cli.closed;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** PIDs of the live (not zombie) processes of process group `pgid` (Linux /proc). */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** Resolves once group `pgid` has no live process; rejects after `timeoutMs`. */
export async function groupGone(pgid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = liveGroupMembers(pgid);
    if (members.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes still running: ${members.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL every process group a test started that still has live members (`afterEach`). */
export function killLeftovers(): void {
  for (const pgid of groups) {
    if (liveGroupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
  }
  groups.clear();
}
