/**
 * Real Python Celery 5.2 (Debian's, at /usr/bin/python3) as child processes for interop
 * tests: a worker and a client of `python/interop_app.py`, each configured by env with a
 * per-test queue and kombu `global_keyprefix`, so tests run in parallel on one Redis.
 * Every child is registered for cleanup; call `killAll()` in `afterEach`.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  killPythonChildren,
  runPython,
  spawnPython,
  startCeleryWorker,
  type PythonLaunch,
  type PythonProcess,
  type PythonWorker,
} from '../../../support/python-celery.js';

export type { PythonProcess, PythonWorker };

/** SIGKILL every Python child still running (use in `afterEach`). */
export const killAll = killPythonChildren;

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
  /** A file the Python processes append each result key they name to (none if unset). */
  keyLog?: string;
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

function launch(settings: InteropSettings): PythonLaunch {
  return {
    dir: PYTHON_DIR,
    env: {
      CELERIAC_BROKER: REDIS_URL,
      CELERIAC_BACKEND: REDIS_URL,
      CELERIAC_PREFIX: settings.prefix,
      CELERIAC_QUEUE: settings.queue,
      CELERIAC_VISIBILITY: String(settings.visibility ?? 3600),
      ...(settings.keyLog === undefined ? {} : { CELERIAC_KEY_LOG: settings.keyLog }),
    },
  };
}

/** Start `celery worker` (solo pool) on the settings' queue; resolves once it is ready. */
export function startPythonWorker(settings: InteropSettings): Promise<PythonWorker> {
  return startCeleryWorker({
    ...launch(settings),
    app: 'interop_app',
    queues: [settings.queue],
    nodename: `py-${randomUUID().slice(0, 6)}@%h`,
  });
}

/** Stop a worker warmly (SIGTERM), SIGKILL after `graceMs`. */
export function stopPythonWorker(worker: PythonWorker, graceMs = 10_000): Promise<void> {
  return worker.stop(graceMs);
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
  const output = await runPython(
    ['interop_client.py', 'send', JSON.stringify(specs)],
    launch(settings),
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '') as string[];
}

/** Start a Python client blocked in `AsyncResult(taskId).get(timeout)`. */
export function pythonGet(
  settings: InteropSettings,
  taskId: string,
  timeoutSeconds = 20,
): PythonProcess {
  return spawnPython(
    ['interop_client.py', 'get', taskId, String(timeoutSeconds)],
    launch(settings),
  );
}

/** Start a Python client blocked in `GroupResult.restore(groupId).get(timeout)`. */
export function pythonRestoreGroup(
  settings: InteropSettings,
  groupId: string,
  timeoutSeconds = 20,
): PythonProcess {
  return spawnPython(
    ['interop_client.py', 'restore', groupId, String(timeoutSeconds)],
    launch(settings),
  );
}

/** The outcome line (`{"state": …}`) a Python client printed last. */
export function pythonOutcome(child: PythonProcess): PythonOutcome {
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
  const output = await runPython(
    ['interop_client.py', 'canvas', JSON.stringify(spec), String(timeoutSeconds)],
    launch(settings),
    (timeoutSeconds + 30) * 1000,
  );
  const lines = output.trim().split('\n');
  const first = lines.find((l) => l.startsWith('{"id"'));
  const last = lines.findLast((l) => l.startsWith('{"state"'));
  if (!first || !last) {
    throw new Error(`python canvas client printed no outcome:\n${output}`);
  }
  return {
    id: (JSON.parse(first) as { id: string }).id,
    outcome: JSON.parse(last) as PythonOutcome,
  };
}
