/**
 * Real Python Celery 5.2.6 (Debian's python3-celery, at /usr/bin/python3) as child
 * processes, for every interop test: spawn a script or `celery worker` from a folder of
 * Python files with a given environment, follow its output, wait for a line, stop it warmly
 * or kill it. Each interop suite keeps its own Python app and environment variables; this
 * module is only the process plumbing they share. Every child is tracked:
 * `killPythonChildren()` in `afterEach` SIGKILLs whatever a test left running.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** Debian's Python, which has celery 5.2.6, kombu 5.2.4, redis-py and py-amqp. */
export const PYTHON = '/usr/bin/python3';

/** Where and how a Python child runs. */
export interface PythonLaunch {
  /** The folder of the Python app and scripts (also `PYTHONPATH`). */
  dir: string;
  /** Extra environment (the app's configuration). */
  env: Record<string, string>;
}

/** A running Python child and its output so far. */
export interface PythonProcess {
  readonly process: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process exited. */
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** SIGKILL every Python child still running (use in `afterEach`). */
export async function killPythonChildren(): Promise<void> {
  const running = [...children];
  children.clear();
  await Promise.all(running.map((child) => killProcess(child)));
}

/** SIGKILL one process (no-op when it already exited) and wait until it is gone. */
export async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}

/** Spawn `python3 <args>` in `launch.dir`. */
export function spawnPython(args: readonly string[], launch: PythonLaunch): PythonProcess {
  const child = spawn(PYTHON, args, {
    cwd: launch.dir,
    env: {
      ...process.env,
      PYTHONPATH: launch.dir,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...launch.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
      for (const listener of [...listeners]) listener();
    }),
  );
  return {
    process: child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`python exited before printing ${String(pattern)}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Run a Python script to its end; resolves with its output, rejects with the output when
 * it exits non-zero or runs longer than `timeoutMs`.
 */
export async function runPython(
  args: readonly string[],
  launch: PythonLaunch,
  timeoutMs = 60_000,
): Promise<string> {
  const child = spawnPython(args, launch);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `python ${args.join(' ').slice(0, 200)} exited with ${code}:\n${child.output()}`,
    );
  }
  return child.output();
}

/** The JSON objects a Python script printed, one per line (other lines, logs, skipped). */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A running `celery worker`. */
export interface PythonWorker extends PythonProcess, AsyncDisposable {
  readonly nodename: string;
  /** Warm shutdown (SIGTERM), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** What `celery -A <app> worker` is started with. */
export interface CeleryWorkerOptions extends PythonLaunch {
  /** The Celery app module (`-A`). */
  app: string;
  queues: readonly string[];
  nodename: string;
}

/**
 * Start `celery -A <app> worker -P solo -Q <queues>` without gossip, mingle and heartbeat;
 * resolves once it logs ` ready.`.
 */
export async function startCeleryWorker(options: CeleryWorkerOptions): Promise<PythonWorker> {
  const child = spawnPython(
    [
      '-m',
      'celery',
      '-A',
      options.app,
      'worker',
      '-P',
      'solo',
      '-Q',
      options.queues.join(','),
      '-n',
      options.nodename,
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
      '--loglevel=INFO',
    ],
    options,
  );
  try {
    await child.waitFor(/ ready\./, 30_000);
  } catch (error) {
    await killProcess(child.process);
    throw error;
  }
  const stop = async (graceMs = 10_000) => {
    const process = child.process;
    if (process.exitCode !== null || process.signalCode !== null) return;
    process.kill('SIGTERM');
    const timer = setTimeout(() => process.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  };
  return { ...child, nodename: options.nodename, stop, [Symbol.asyncDispose]: () => stop() };
}
