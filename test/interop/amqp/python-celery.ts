/**
 * Reusable helpers for interop tests against real Python Celery 5.2 (Debian's
 * python3-celery at /usr/bin/python3): run the client script, start and stop workers.
 * Every worker and client gets its own environment (queues, key prefixes); workers are
 * killed by their pid in `stop()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));
export const BROKER_URL = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** Environment of the Python app in `python/interop.py`. */
export interface PythonEnv {
  brokerUrl?: string;
  /** `rpc://`, `redis://127.0.0.1:6379/0`, or undefined (no results). */
  resultBackend?: string;
  /** `global_keyprefix` for a Redis *broker*; Celery 5.2's Redis result backend ignores it. */
  keyPrefix?: string;
  /** `task_queue_max_priority`, so Python declares queues with `x-max-priority`. */
  maxPriority?: number;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function env(options: PythonEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: PYTHON_DIR,
    PYTHONDONTWRITEBYTECODE: '1',
    CELERIAC_BROKER_URL: options.brokerUrl ?? BROKER_URL,
    CELERIAC_RESULT_BACKEND: options.resultBackend ?? '',
    CELERIAC_KEY_PREFIX: options.keyPrefix ?? '',
    CELERIAC_MAX_PRIORITY: options.maxPriority === undefined ? '' : String(options.maxPriority),
  };
}

/** One `send_tasks.py` entry: what `app.send_task` is called with. */
export interface TaskSpec {
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** `apply_async` options: queue, exchange, routing_key, priority, expires, headers, task_id… */
  options?: Record<string, unknown>;
  /** Wait for the result and report it. */
  wait?: boolean;
}

/** Run the Celery client; resolves with the JSON lines it printed. */
export function sendTasks(
  specs: TaskSpec[],
  options: PythonEnv = {},
  timeoutMs = 30_000,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [`${PYTHON_DIR}send_tasks.py`, JSON.stringify(specs)], {
      cwd: PYTHON_DIR,
      env: env(options),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`send_tasks.py exited with ${code}:\n${stderr}`));
      else
        resolve(
          stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
    });
  });
}

/** A running `celery worker`. */
export class PythonWorker implements AsyncDisposable {
  readonly nodename: string;
  readonly #child: ChildProcess;
  #log = '';

  private constructor(child: ChildProcess, nodename: string) {
    this.#child = child;
    this.nodename = nodename;
    child.stdout?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
  }

  /** Start a solo-pool worker on `queues` and resolve once it logs `ready`. */
  static async start(
    queues: string[],
    options: PythonEnv = {},
    timeoutMs = 30_000,
  ): Promise<PythonWorker> {
    const nodename = `${unique('interop')}@localhost`;
    const child = spawn(
      PYTHON,
      [
        '-m',
        'celery',
        '-A',
        'interop',
        'worker',
        '-Q',
        queues.join(','),
        '-P',
        'solo',
        '-c',
        '1',
        '-n',
        nodename,
        '--without-gossip',
        '--without-mingle',
        '--without-heartbeat',
        '--loglevel',
        'INFO',
      ],
      { cwd: PYTHON_DIR, env: env(options) },
    );
    const worker = new PythonWorker(child, nodename);
    const started = Date.now();
    while (!/ ready\./.test(worker.#log)) {
      if (child.exitCode !== null)
        throw new Error(`celery worker exited with ${child.exitCode}:\n${worker.#log}`);
      if (Date.now() - started > timeoutMs) {
        await worker.stop();
        throw new Error(`celery worker not ready within ${timeoutMs} ms:\n${worker.#log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return worker;
  }

  /** Everything the worker logged so far. */
  get log(): string {
    return this.#log;
  }

  /** SIGTERM (warm shutdown), then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
