/**
 * Real Python Celery 5.2.6 (Debian's, at /usr/bin/python3) for the worker-level interop
 * tests: `celery worker` and a client of `python/worker_app.py` as child processes, each
 * configured by environment (broker, backend, per-test queue, kombu `global_keyprefix`,
 * queue topology). Every child is tracked; `killPythonChildren()` in `afterEach` SIGKILLs
 * whatever a test left running.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** Debian's Python with celery 5.2.6, kombu 5.2.4, redis-py and py-amqp. */
export const PYTHON = '/usr/bin/python3';
/** The folder holding `worker_app.py` and `worker_client.py`. */
export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));
export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
export const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** One `task_queues` entry of the Python app (a `kombu.Queue`). */
export interface PythonQueue {
  name: string;
  /** Exchange name; default the queue's. */
  exchange?: string;
  type?: 'direct' | 'topic' | 'fanout';
  /** Binding key; default the queue's name. */
  routing_key?: string;
  max_priority?: number;
}

/** How the Python app is configured (see the module comment of `worker_app.py`). */
export interface PythonEnv {
  broker: string;
  /** Result backend URL; omitted: none. */
  backend?: string;
  /** kombu `global_keyprefix` of a Redis broker (also the prefix of witness keys). */
  prefix?: string;
  /** Redis `visibility_timeout` in seconds; default 3600. */
  visibility?: number;
  /** `task_default_queue`. */
  queue?: string;
  /** `task_queue_max_priority`. */
  maxPriority?: number;
  /** `task_queues`. */
  topology?: readonly PythonQueue[];
}

/** A short random id for names. */
export function shortId(): string {
  return randomUUID().slice(0, 8);
}

function childEnv(options: PythonEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: PYTHON_DIR,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    WK_BROKER: options.broker,
    WK_BACKEND: options.backend ?? '',
    WK_PREFIX: options.prefix ?? '',
    WK_VISIBILITY: String(options.visibility ?? 3600),
    WK_QUEUE: options.queue ?? 'celery',
    WK_MAX_PRIORITY: options.maxPriority === undefined ? '' : String(options.maxPriority),
    WK_TOPOLOGY: options.topology === undefined ? '' : JSON.stringify(options.topology),
    WK_REDIS: REDIS_URL,
  };
}

const children = new Set<ChildProcess>();

/** SIGKILL every Python child still running, by its pid (use in `afterEach`). */
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

/** A running Python child and its output so far. */
export interface PythonProcess {
  readonly process: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process exited. */
  readonly exited: Promise<number | null>;
}

function start(args: readonly string[], options: PythonEnv): PythonProcess {
  const child = spawn(PYTHON, args, {
    cwd: PYTHON_DIR,
    env: childEnv(options),
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

/** A running `celery worker` (solo pool). */
export interface PythonWorker extends PythonProcess {
  readonly nodename: string;
  /** Warm shutdown (SIGTERM), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Start `celery -A worker_app worker -P solo -Q <queues>`; resolves once it is ready. */
export async function startPythonWorker(
  options: PythonEnv,
  queues: readonly string[],
): Promise<PythonWorker> {
  const nodename = `py-${shortId()}@interop`;
  const child = start(
    [
      '-m',
      'celery',
      '-A',
      'worker_app',
      'worker',
      '-P',
      'solo',
      '-Q',
      queues.join(','),
      '-n',
      nodename,
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
      '--loglevel=INFO',
    ],
    options,
  );
  await child.waitFor(/ ready\./, 30_000);
  return {
    ...child,
    nodename,
    async stop(graceMs = 10_000) {
      const process = child.process;
      if (process.exitCode !== null || process.signalCode !== null) return;
      process.kill('SIGTERM');
      const timer = setTimeout(() => process.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** One call of the Python client (see `worker_client.py`). */
export interface PythonCall {
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** `apply_async` keywords: queue, exchange, routing_key, priority, countdown, ignore_result… */
  options?: Record<string, unknown>;
  /** `expires` as seconds from now (negative: already expired), sent as a datetime. */
  expires_in?: number;
  /** `get` (default): wait for the result; `send`: only send; `progress`: see the script. */
  mode?: 'get' | 'send' | 'progress';
  /** Redis key the client sets once it saw PROGRESS (mode `progress`). */
  gate?: string;
}

/** What the Python client printed about one call it waited for. */
export interface PythonOutcome {
  id: string;
  state: string;
  result?: unknown;
  retries?: number | null;
  exc_type?: string;
  exc_module?: string;
  exc_args?: unknown[];
  traceback?: string | null;
  observed?: { state: string; info: unknown };
}

/** Run the Python client: resolves with the ids it sent and the outcomes it waited for. */
export async function runPythonClient(
  options: PythonEnv,
  calls: readonly PythonCall[],
  timeoutSeconds = 20,
): Promise<{ ids: string[]; outcomes: PythonOutcome[] }> {
  const client = start(
    ['worker_client.py', JSON.stringify({ calls, timeout: timeoutSeconds })],
    options,
  );
  const timer = setTimeout(() => client.process.kill('SIGKILL'), (timeoutSeconds + 30) * 1000);
  const code = await client.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`worker_client.py exited with ${code}:\n${client.output()}`);
  const lines = client
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    ids: lines.filter((l) => 'sent' in l).map((l) => l['sent'] as string),
    outcomes: lines.filter((l) => 'state' in l) as unknown as PythonOutcome[],
  };
}
