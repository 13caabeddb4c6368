/**
 * The fleet the browser tests watch, all on a private `redis-server` (never the shared
 * one: the tests cut connections, and the events exchange is a fanout every test on a
 * Redis would otherwise see): a celeriac worker whose broker connection goes through a
 * TCP proxy the test can cut, a real Python Celery 5.2 worker (`-E`, heartbeats every
 * 2 s), a client, and the dashboard under test on a free port.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from '@celeriac/client';
import { startDashboard, type Dashboard, type DashboardOptions } from '@celeriac/dashboard';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, type Worker } from '@celeriac/worker';
import { fileURLToPath } from 'node:url';
import { monitorTasks, recordingLogger, type RecordingLogger } from '../control/support.js';
import { killProcess, spawnPython, type PythonProcess } from '../support/python-celery.js';
import { startPrivateRedis, type PrivateRedis } from '../reliability/redis-support.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface Fleet {
  readonly redis: PrivateRedis;
  /** Between the celeriac worker and Redis. */
  readonly proxy: TcpProxy;
  readonly dashboard: Dashboard;
  readonly client: Client;
  readonly celeriac: Worker;
  /** What the celeriac worker logged. */
  readonly celeriacLog: RecordingLogger['lines'];
  readonly python: PythonProcess;
  /** Node names and the queue each worker consumes. */
  readonly names: { celeriac: string; python: string; tsQueue: string; pyQueue: string };
  close(): Promise<void>;
}

const MONITOR_APP = fileURLToPath(new URL('../control/python/', import.meta.url));

/**
 * `celery -A monitor_app worker -P prefork -c 2 -E` (test/control's app) on `queue`.
 * Prefork, not threads: a threads pool sends task events from its threads, and Celery
 * 5.2 then loses some of them (a task seen RECEIVED whose SUCCESS never comes).
 */
async function startPython(url: string, queue: string, nodename: string) {
  const args = ['-m', 'celery', '-A', 'monitor_app', 'worker', '-P', 'prefork', '-c', '2'];
  args.push('-Q', queue, '-n', nodename, '--without-gossip', '--without-mingle', '-E');
  args.push('--heartbeat-interval', '2', '--loglevel=INFO');
  const child = spawnPython(args, {
    dir: MONITOR_APP,
    env: { MON_BROKER: url, MON_PREFIX: '', MON_BACKEND: '' },
  });
  try {
    await child.waitFor(/ ready\./, 30_000);
  } catch (error) {
    await killProcess(child.process);
    throw error;
  }
  return child;
}

/** Start everything; on a failure, stop what was started and rethrow. */
export async function startFleet(
  dashboardOptions: Omit<DashboardOptions, 'transport'> = {},
): Promise<Fleet> {
  const id = randomUUID().slice(0, 6);
  const names = {
    celeriac: `celeriac-${id}@dashboard-test`,
    python: `python-${id}@dashboard-test`,
    tsQueue: `dash.ts.${id}`,
    pyQueue: `dash.py.${id}`,
  };
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => console.warn('fleet cleanup:', error));
    }
  };
  try {
    const redis = await startPrivateRedis({ appendonly: false });
    stops.push(() => redis.dispose());
    const proxy = await startTcpProxy(redis.port);
    stops.push(() => proxy.close());

    const transport = createRedisTransport(redis.url);
    const backend = createRedisResultBackend(redis.url);
    stops.push(() => transport.close());
    stops.push(() => backend.close());
    const dashboard = await startDashboard({
      transport,
      backend,
      port: 0,
      inspectIntervalMs: 2000,
      broker: `redis://127.0.0.1:${redis.port}/0`,
      logger: recordingLogger(),
      ...dashboardOptions,
    });
    stops.push(() => dashboard.close());

    const proxied = `redis://127.0.0.1:${proxy.port}/0`;
    const workerTransport = createRedisTransport(proxied);
    const celeriacLogger = recordingLogger();
    const celeriac = createWorker({
      transport: workerTransport,
      backend: createRedisResultBackend(redis.url),
      tasks: monitorTasks,
      queues: [names.tsQueue],
      hostname: names.celeriac,
      concurrency: 2,
      events: true,
      logger: celeriacLogger,
      // Python's celery control and unsigned callers change it, as with Celery.
      control: { allowUnsigned: true },
      ownTransport: true,
      ownBackend: true,
    });
    await celeriac.start();
    stops.push(() => celeriac.stop());

    const python = await startPython(redis.url, names.pyQueue, names.python);
    stops.push(() => killProcess(python.process));

    const client = createClient({
      transport: createRedisTransport(redis.url),
      backend: createRedisResultBackend(redis.url),
      ownTransport: true,
      ownBackend: true,
    });
    stops.push(() => client.close());
    return {
      redis,
      proxy,
      dashboard,
      client,
      celeriac,
      celeriacLog: celeriacLogger.lines,
      python,
      names,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
