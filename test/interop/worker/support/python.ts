/**
 * Real Python Celery 5.2.6 (Debian's, at /usr/bin/python3) for the worker-level interop
 * tests: `celery worker` and a client of `python/worker_app.py` as child processes, each
 * configured by environment (broker, backend, per-test queue, kombu `global_keyprefix`,
 * queue topology). Every child is tracked; `killPythonChildren()` in `afterEach` SIGKILLs
 * whatever a test left running.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  jsonLines,
  killPythonChildren,
  killProcess,
  runPython,
  startCeleryWorker,
  type PythonLaunch,
  type PythonProcess,
  type PythonWorker,
} from '../../../support/python-celery.js';

export { killPythonChildren, killProcess };
export type { PythonProcess, PythonWorker };

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

function launch(options: PythonEnv): PythonLaunch {
  return {
    dir: PYTHON_DIR,
    env: {
      WK_BROKER: options.broker,
      WK_BACKEND: options.backend ?? '',
      WK_PREFIX: options.prefix ?? '',
      WK_VISIBILITY: String(options.visibility ?? 3600),
      WK_QUEUE: options.queue ?? 'celery',
      WK_MAX_PRIORITY: options.maxPriority === undefined ? '' : String(options.maxPriority),
      WK_TOPOLOGY: options.topology === undefined ? '' : JSON.stringify(options.topology),
      WK_REDIS: REDIS_URL,
    },
  };
}

/** Start `celery -A worker_app worker -P solo -Q <queues>`; resolves once it is ready. */
export function startPythonWorker(
  options: PythonEnv,
  queues: readonly string[],
): Promise<PythonWorker> {
  return startCeleryWorker({
    ...launch(options),
    app: 'worker_app',
    queues,
    nodename: `py-${shortId()}@interop`,
  });
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
  const output = await runPython(
    ['worker_client.py', JSON.stringify({ calls, timeout: timeoutSeconds })],
    launch(options),
    (timeoutSeconds + 30) * 1000,
  );
  const lines = jsonLines(output);
  return {
    ids: lines.filter((l) => 'sent' in l).map((l) => l['sent'] as string),
    outcomes: lines.filter((l) => 'state' in l) as unknown as PythonOutcome[],
  };
}
