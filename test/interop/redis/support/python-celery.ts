/**
 * Real Python Celery 5.2 (Debian's, at /usr/bin/python3) as child processes for interop
 * tests: a worker and a client of `python/interop_app.py`, each configured by env with a
 * per-test queue and kombu `global_keyprefix`, so tests run in parallel on one Redis.
 * Every child is registered for cleanup; call `killAll()` in `afterEach`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** Debian's Python, which has celery 5.2.6, kombu 5.2.4 and redis-py. */
export const PYTHON = '/usr/bin/python3';
/** The folder holding `interop_app.py` and `interop_client.py`. */
export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));
export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** Per-test settings shared by both sides of a mixed fleet. */
export interface InteropSettings {
  /** kombu `global_keyprefix` (and celeriac `globalKeyprefix`). */
  prefix: string;
  /** The task queue. */
  queue: string;
  /** Broker `visibility_timeout` in seconds (3600). */
  visibility?: number;
}

/** Fresh, unique settings. */
export function interopSettings(visibility?: number): InteropSettings {
  const id = randomUUID().slice(0, 8);
  return {
    prefix: `celeriac-interop-${id}:`,
    queue: `interop.${id}`,
    ...(visibility === undefined ? {} : { visibility }),
  };
}

function env(settings: InteropSettings): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: PYTHON_DIR,
    PYTHONUNBUFFERED: '1',
    CELERIAC_BROKER: REDIS_URL,
    CELERIAC_BACKEND: REDIS_URL,
    CELERIAC_PREFIX: settings.prefix,
    CELERIAC_QUEUE: settings.queue,
    CELERIAC_VISIBILITY: String(settings.visibility ?? 3600),
  };
}

const children = new Set<ChildProcess>();

/** SIGKILL every child still running (use in `afterEach`). */
export async function killAll(): Promise<void> {
  const exits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  children.clear();
  await Promise.all(exits);
}

/** A running child with its output so far. */
export interface PythonChild {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
}

function start(args: string[], settings: InteropSettings): PythonChild {
  const child = spawn(PYTHON, args, {
    cwd: PYTHON_DIR,
    env: env(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => {
    children.delete(child);
    for (const waiter of [...waiters]) waiter();
  });
  return {
    process: child,
    output: () => output,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`python exited before printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Start `celery worker` (solo pool) on the settings' queue; resolves once it is ready. */
export async function startPythonWorker(settings: InteropSettings): Promise<PythonChild> {
  const worker = start(
    [
      '-m',
      'celery',
      '-A',
      'interop_app',
      'worker',
      '-P',
      'solo',
      '-Q',
      settings.queue,
      '-n',
      `py-${randomUUID().slice(0, 6)}@%h`,
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
      '--loglevel=INFO',
    ],
    settings,
  );
  await worker.waitFor(/ ready\./, 30_000);
  return worker;
}

/** Stop a worker warmly (SIGTERM), SIGKILL after `graceMs`. */
export async function stopPythonWorker(worker: PythonChild, graceMs = 10_000): Promise<void> {
  if (worker.process.exitCode !== null) return;
  worker.process.kill('SIGTERM');
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), graceMs);
  await worker.exited();
  clearTimeout(timer);
}

/** One task for {@link pythonSend}: name, args, kwargs, and apply_async options. */
export interface PythonTaskSpec {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  countdown?: number;
  /** Seconds from now, sent as an aware UTC `eta` datetime. */
  eta_in?: number;
  expires?: number;
  priority?: number;
  [option: string]: unknown;
}

/** Send tasks from a Python client (`app.send_task`); returns their ids. */
export async function pythonSend(
  settings: InteropSettings,
  specs: PythonTaskSpec[],
): Promise<string[]> {
  const client = start(['interop_client.py', 'send', JSON.stringify(specs)], settings);
  const code = await client.exited();
  const line = client.output().trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`python client failed (${code}):\n${client.output()}`);
  return JSON.parse(line) as string[];
}

/** Start a Python client blocked in `AsyncResult(taskId).get(timeout)`. */
export function pythonGet(
  settings: InteropSettings,
  taskId: string,
  timeoutSeconds = 20,
): PythonChild {
  return start(['interop_client.py', 'get', taskId, String(timeoutSeconds)], settings);
}

/** Start a Python client blocked in `GroupResult.restore(groupId).get(timeout)`. */
export function pythonRestoreGroup(
  settings: InteropSettings,
  groupId: string,
  timeoutSeconds = 20,
): PythonChild {
  return start(['interop_client.py', 'restore', groupId, String(timeoutSeconds)], settings);
}

/** The outcome line (`{"state": …}`) a Python client printed last. */
export function pythonOutcome(child: PythonChild): PythonOutcome {
  const line = child
    .output()
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{"state"'));
  if (!line) throw new Error(`the python client printed no outcome:\n${child.output()}`);
  return JSON.parse(line) as PythonOutcome;
}

/** A canvas for {@link pythonCanvas}: `[task name, args]` signatures. */
export interface PythonCanvasSpec {
  kind: 'chain' | 'group' | 'chord';
  tasks: [string, unknown[]][];
  /** The chord's body. */
  body?: [string, unknown[]];
  /** The queue of every signature (else the app's default queue). */
  queue?: string;
}

/** What the Python client printed once `result.get` returned or raised. */
export type PythonOutcome =
  { state: 'SUCCESS'; result: unknown } | { state: string; error: string; message: unknown[] };

/**
 * Build `spec` with Celery's own `chain`/`group`/`chord` in a Python client, apply it and
 * wait in `result.get(timeout)`; resolves with the outcome (the chain's last result, the
 * group's list, the chord body's result) and the id Python gave the result.
 */
export async function pythonCanvas(
  settings: InteropSettings,
  spec: PythonCanvasSpec,
  timeoutSeconds = 20,
): Promise<{ id: string; outcome: PythonOutcome }> {
  const client = start(
    ['interop_client.py', 'canvas', JSON.stringify(spec), String(timeoutSeconds)],
    settings,
  );
  const code = await client.exited();
  const lines = client.output().trim().split('\n');
  if (code !== 0) throw new Error(`python canvas client failed (${code}):\n${client.output()}`);
  const first = lines.find((l) => l.startsWith('{"id"'));
  const last = lines.findLast((l) => l.startsWith('{"state"'));
  if (!first || !last) {
    throw new Error(`python canvas client printed no outcome:\n${client.output()}`);
  }
  return {
    id: (JSON.parse(first) as { id: string }).id,
    outcome: JSON.parse(last) as PythonOutcome,
  };
}
