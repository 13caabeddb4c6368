/**
 * Fixtures of the control-client and monitor tests: the brokers (memory, the shared Redis
 * under a per-test kombu prefix, the shared RabbitMQ with per-test queue names), celeriac
 * workers and real Python Celery 5.2 workers (`python/monitor_app.py`) on them, and the
 * cleanup of everything a test declared — also after a failure.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAmqpTransport, createRpcResultBackend } from '@celeriac/amqp';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import type { ResultBackend, Transport } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask } from '@celeriac/worker';
import type { Logger, Worker, WorkerOptions } from '@celeriac/worker';
import { killProcess, spawnPython, type PythonProcess } from '../support/python-celery.js';
import { deleteRedisKeys } from '../support/redis-keys.js';

export { killPythonChildren } from '../support/python-celery.js';

export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
export const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));
const quietAmqp = { logger: { warn: () => undefined } };

/** A short random id for names. */
export function shortId(): string {
  return randomUUID().slice(0, 8);
}

/** One broker a test runs on, with a name space of its own. */
export interface BrokerCase {
  readonly name: 'memory' | 'Redis' | 'RabbitMQ';
  /** The URL Python uses (memory has none). */
  readonly url: string | undefined;
  /** kombu `global_keyprefix` (Redis), '' elsewhere. */
  readonly prefix: string;
  /** A new transport on this broker, in the test's name space. */
  transport(): Transport;
  /** A result backend for a celeriac worker on `transport`. */
  backend(transport: Transport): ResultBackend;
  /** Remove what the test left (keys under the prefix; queues it names). */
  cleanup(queues?: readonly string[]): Promise<void>;
}

/** The memory broker of one test. */
export function memoryCase(): BrokerCase {
  const broker = new MemoryBroker({ name: `control-${shortId()}` });
  const store = new MemoryResultStore();
  return {
    name: 'memory',
    url: undefined,
    prefix: '',
    transport: () => new MemoryTransport({ broker }),
    backend: () => new MemoryResultBackend({ store }),
    cleanup: async () => undefined,
  };
}

/** The shared Redis under a prefix of the test's own. */
export function redisCase(): BrokerCase {
  const prefix = `celeriac-mon-${shortId()}:`;
  return {
    name: 'Redis',
    url: REDIS_URL,
    prefix,
    transport: () => createRedisTransport(REDIS_URL, { globalKeyprefix: prefix }),
    backend: () => createRedisResultBackend(REDIS_URL, { keyPrefix: prefix }),
    cleanup: () => deleteRedisKeys(prefix),
  };
}

/** The shared RabbitMQ; the test's queues are deleted after it. */
export function rabbitCase(): BrokerCase {
  return {
    name: 'RabbitMQ',
    url: AMQP_URL,
    prefix: '',
    transport: () => createAmqpTransport(AMQP_URL, quietAmqp),
    backend: (transport) => createRpcResultBackend('rpc://', { transport }),
    cleanup: async (queues = []) => {
      const admin = createAmqpTransport(AMQP_URL, quietAmqp);
      try {
        for (const queue of queues) await admin.deleteQueue(queue);
      } finally {
        await admin.close();
      }
    },
  };
}

/** A logger that keeps its lines (the worker's `Logger` interface). */
export interface RecordingLogger extends Logger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> }[];
}

/** A {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields: fields ?? {} });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The tasks of `python/monitor_app.py`, implemented in TypeScript. */
export const monitorTasks = [
  implementTask('mon.add', (_ctx, a: number, b: number) => a + b),
  implementTask('mon.sleep', async (ctx, seconds: number) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return seconds;
  }),
  implementTask('mon.fail', (_ctx, message: string) => {
    throw new TypeError(message);
  }),
];

/** A celeriac worker on `broker`, started; it owns its connections. */
export async function startCeleriacWorker(
  broker: BrokerCase,
  options: { queue: string; hostname: string; events?: WorkerOptions['events'] },
): Promise<Worker & { logger: RecordingLogger }> {
  const transport = broker.transport();
  const logger = recordingLogger();
  const worker = createWorker({
    transport,
    backend: broker.backend(transport),
    tasks: monitorTasks,
    queues: [options.queue],
    hostname: options.hostname,
    concurrency: 2,
    logger,
    ownTransport: true,
    // Python's celery control and unsigned callers change it, as with Celery.
    control: { allowUnsigned: true },
    ownBackend: true,
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  await worker.start();
  return Object.assign(worker, { logger });
}

/** A running Python Celery worker of `python/monitor_app.py`. */
export interface PythonMonitorWorker extends PythonProcess {
  readonly nodename: string;
  /** Warm shutdown (SIGTERM): it sends worker-offline. */
  stop(): Promise<void>;
  /** SIGKILL: it sends nothing more. */
  kill(): Promise<void>;
}

/**
 * Start `celery -A monitor_app worker -P threads -c 2` (`prefork` when `events`) on `queue`, without
 * gossip and mingle; `events` adds `-E`, `heartbeat` its event heartbeat interval in
 * seconds (without one: `--without-heartbeat`).
 */
export async function startPythonWorker(
  broker: BrokerCase,
  options: {
    queue: string;
    nodename: string;
    events?: boolean;
    heartbeat?: number;
    pool?: 'threads' | 'prefork';
  },
): Promise<PythonMonitorWorker> {
  // Celery 5.2's threads pool shares one kombu channel between its threads and on Redis
  // sometimes never publishes task-succeeded; tests that read task events use prefork.
  const pool = options.pool ?? (options.events ? 'prefork' : 'threads');
  const args = ['-m', 'celery', '-A', 'monitor_app', 'worker', '-P', pool, '-c', '2'];
  args.push('-Q', options.queue, '-n', options.nodename, '--without-gossip', '--without-mingle');
  args.push('--loglevel=INFO');
  if (options.events) args.push('-E');
  if (options.heartbeat !== undefined) args.push('--heartbeat-interval', String(options.heartbeat));
  else args.push('--without-heartbeat');
  const child = spawnPython(args, {
    dir: PYTHON_DIR,
    env: { MON_BROKER: broker.url ?? '', MON_PREFIX: broker.prefix, MON_BACKEND: '' },
  });
  try {
    await child.waitFor(/ ready\./, 30_000);
  } catch (error) {
    await killProcess(child.process);
    throw error;
  }
  return {
    ...child,
    nodename: options.nodename,
    stop: async () => {
      const process = child.process;
      if (process.exitCode !== null || process.signalCode !== null) return;
      process.kill('SIGTERM');
      const timer = setTimeout(() => process.kill('SIGKILL'), 10_000);
      await child.exited;
      clearTimeout(timer);
    },
    kill: () => killProcess(child.process),
  };
}
