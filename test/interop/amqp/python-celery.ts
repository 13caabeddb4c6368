/**
 * The AMQP interop suite's Python side: `python/interop.py` (the Celery app) and
 * `python/send_tasks.py` (a client), each run with its own environment (broker, result
 * backend, key prefix, max priority) through the shared process helpers of
 * test/support/python-celery.ts.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  jsonLines,
  killPythonChildren,
  runPython,
  startCeleryWorker,
  type PythonLaunch,
  type PythonWorker,
} from '../../support/python-celery.js';

export { killPythonChildren };
export type { PythonWorker };

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

function launch(options: PythonEnv): PythonLaunch {
  return {
    dir: PYTHON_DIR,
    env: {
      CELERIAC_BROKER_URL: options.brokerUrl ?? BROKER_URL,
      CELERIAC_RESULT_BACKEND: options.resultBackend ?? '',
      CELERIAC_KEY_PREFIX: options.keyPrefix ?? '',
      CELERIAC_MAX_PRIORITY: options.maxPriority === undefined ? '' : String(options.maxPriority),
    },
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
export async function sendTasks(
  specs: TaskSpec[],
  options: PythonEnv = {},
  timeoutMs = 30_000,
): Promise<Record<string, unknown>[]> {
  const output = await runPython(
    ['send_tasks.py', JSON.stringify(specs)],
    launch(options),
    timeoutMs,
  );
  return jsonLines(output);
}

/** Start a solo-pool `celery -A interop worker` on `queues`; resolves once it is ready. */
export function startPythonWorker(
  queues: string[],
  options: PythonEnv = {},
): Promise<PythonWorker> {
  return startCeleryWorker({
    ...launch(options),
    app: 'interop',
    queues,
    nodename: `${unique('interop')}@localhost`,
  });
}
