/**
 * `celeriac worker -A ./app.ts [Celery's worker flags]`: run a worker for the app's tasks
 * until SIGTERM/SIGINT (warm) or a second SIGINT/SIGQUIT (cold), in this process, with
 * the OpenTelemetry SDK when the `OTEL_*` variables ask and the metrics/health port when
 * `--metrics-port` does.
 */
import { Command } from 'commander';
import { asSupervisor } from '@celeriac/actors';
import type { Beat } from '@celeriac/beat';
import type { Logger, Worker } from '@celeriac/worker';
import { WorkerState, createConsoleLogger } from '@celeriac/worker';
import type { App } from '../app.js';
import { UsageError } from '../errors.js';
import { DEFAULT_BEAT_NAMESPACE } from '../beat-coordination.js';
import { banner } from './banner.js';
import { beatOptionsFrom } from './beat-flags.js';
import { CommandExit } from './command-exit.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { HealthServer } from './health-server.js';
import type { Io } from './io.js';
import { watchLauncher } from './launcher-watch.js';
import type { LoadedApp } from './load-app.js';
import { apiVersionWarnings } from './telemetry/api-versions.js';
import { installTelemetry } from './telemetry/install-telemetry.js';
import type { WorkerFlags } from './worker-flags.js';
import { addWorkerFlags, workerOptionsFrom } from './worker-flags.js';
import { workerProbes } from './worker-health.js';

/** The `worker` command. */
export function workerCommand(io: Io): Command {
  return addWorkerFlags(addConnectionOptions(new Command('worker')))
    .description('run a worker for the tasks an app module registers')
    .action((flags: WorkerFlags, self: Command) => runWorker(io, flags, self));
}

async function runWorker(io: Io, flags: WorkerFlags, command: Command): Promise<void> {
  const connection = connectionFlags(command);
  if (connection.app === undefined) {
    throw new UsageError('--app is required: the module whose createApp() registers the tasks');
  }
  const logger = createConsoleLogger({ level: flags.loglevel });
  // Before the app loads, so that everything it and celeriac make is recorded.
  const telemetry = await installTelemetry({
    serviceName: 'celeriac-worker',
    prometheus: flags.metricsPort !== undefined,
    warn: (line) => logger.warn(line),
  });
  let app: App | undefined;
  let server: HealthServer | undefined;
  try {
    const opened = await openApp(connection, { sharedBroker: false });
    app = opened.app;
    const loaded = opened.loaded!;
    for (const warning of apiVersionWarnings(loaded.path)) logger.warn(warning);
    const options = workerOptionsFrom(flags, loaded);
    const worker = await app.worker({ ...options, logger });
    const beatOptions = flags.beat
      ? beatOptionsFrom(
          {
            ...(flags.beatNamespace !== undefined ? { namespace: flags.beatNamespace } : {}),
            ...(flags.beatLease !== undefined ? { lease: flags.beatLease } : {}),
            ...(flags.beatMaxInterval !== undefined ? { maxInterval: flags.beatMaxInterval } : {}),
          },
          'beat-',
        )
      : undefined;
    const embedBeat = beatOptions && app.beat.bind(app, { ...beatOptions, logger });
    const beatNamespace = beatOptions
      ? (beatOptions.namespace ?? DEFAULT_BEAT_NAMESPACE)
      : undefined;
    for (const line of bannerLines(worker, app, loaded, options, beatNamespace)) io.out(line);

    if (telemetry.summary) logger.info(`OpenTelemetry: ${telemetry.summary}`);
    if (flags.metricsPort !== undefined) {
      // node:http alone is about 15 MB of an idle worker: loaded only for the port.
      const { startHealthServer } = await import('./health-server.js');
      server = await startHealthServer({
        port: flags.metricsPort,
        host: flags.metricsHost,
        prometheus: telemetry.prometheus,
        ...workerProbes(worker),
      });
      logger.info(
        `Metrics and health on http://${flags.metricsHost}:${server.port}/metrics, /livez, /readyz`,
      );
    }
    await runUntilStopped(io, worker, logger, embedBeat);
  } finally {
    await server?.close();
    await app?.close();
    await telemetry.shutdown();
  }
}

/** Start, then wait for a signal, the remote `shutdown`, the launcher going, or a crash. */
async function runUntilStopped(
  io: Io,
  worker: Worker,
  logger: Logger,
  embedBeat?: () => Promise<Beat>,
): Promise<void> {
  const removeSignalHandlers = worker.installSignalHandlers();
  const stopWatching = watchLauncher(({ mode, reason }) => {
    logger.info(`${mode === 'warm' ? 'Warm' : 'Cold'} shutdown: ${reason}`);
    worker.stop({ mode }).catch((error: unknown) => {
      logger.error('Shutdown failed', { error: String(error) });
    });
  });
  try {
    try {
      await worker.start();
    } catch (error) {
      // Told to stop while connecting (a signal): a stop like any other.
      if ((await worker.finished) === 'stopped') return;
      // The worker retried and logged each attempt; the reason fits one line.
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
      io.err(`celeriac worker: could not start: ${reason}`);
      throw new CommandExit(1, 'the worker could not start');
    }
    if (embedBeat) await startEmbeddedBeat(worker, embedBeat, logger);
    const final = await worker.finished;
    if (final === 'crashed') throw new CommandExit(1, 'the worker crashed');
  } finally {
    stopWatching();
    removeSignalHandlers();
  }
}

/**
 * `-B`: the beat as the last child of the worker's supervisor (`/<node>/beat`), so it is
 * in the worker's actor tree, restarted like any child, and stopped first — releasing its
 * lease — when the worker stops.
 */
async function startEmbeddedBeat(
  worker: Worker,
  embedBeat: () => Promise<Beat>,
  logger: Logger,
): Promise<void> {
  if (worker.state !== WorkerState.running) return;
  const beat = await embedBeat();
  await asSupervisor(worker.tree.root).addChild({ id: 'beat', actor: beat.definition });
  logger.info(`beat: replica ${beat.holder} of ${beat.namespace} runs in this worker`);
}

function bannerLines(
  worker: Worker,
  app: App,
  loaded: LoadedApp,
  options: ReturnType<typeof workerOptionsFrom>,
  beat: string | undefined,
): string[] {
  const queues = options.queues ?? app.workerQueues();
  const concurrency = options.autoscale
    ? `${options.autoscale.min}–${options.autoscale.max} (autoscale)`
    : (options.concurrency ?? 10);
  return banner({
    hostname: worker.hostname,
    app: `${loaded.path} (export ${loaded.exportName})`,
    brokerUrl: app.brokerUrl,
    backendUrl: app.backendUrl,
    pool: options.pool ?? 'async',
    concurrency,
    prefetchMultiplier: options.prefetchMultiplier ?? 4,
    events: options.events === true,
    queues,
    tasks: app.tasks.map((task) => task.name),
    now: new Date(),
    ...(beat === undefined ? {} : { beat }),
  });
}
