/**
 * `celeriac worker -A ./app.ts [Celery's worker flags]`: run a worker for the app's tasks
 * until SIGTERM/SIGINT (warm) or a second SIGINT/SIGQUIT (cold), in this process.
 */
import { Command } from 'commander';
import { createConsoleLogger } from '@celeriac/worker';
import { UsageError } from '../errors.js';
import { banner } from './banner.js';
import { CommandExit } from './command-exit.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { watchLauncher } from './launcher-watch.js';
import type { WorkerFlags } from './worker-flags.js';
import { addWorkerFlags, workerOptionsFrom } from './worker-flags.js';

/** The `worker` command. */
export function workerCommand(io: Io): Command {
  const command = addWorkerFlags(addConnectionOptions(new Command('worker')))
    .description('run a worker for the tasks an app module registers')
    .action((flags: WorkerFlags, self: Command) => runWorker(io, flags, self));
  return command;
}

async function runWorker(io: Io, flags: WorkerFlags, command: Command): Promise<void> {
  const connection = connectionFlags(command);
  if (connection.app === undefined) {
    throw new UsageError('--app is required: the module whose createApp() registers the tasks');
  }
  const { app, loaded } = await openApp(connection, { sharedBroker: false });
  const options = workerOptionsFrom(flags, loaded!);
  const logger = createConsoleLogger({ level: flags.loglevel });
  const worker = await app.worker({ ...options, logger });

  const queues = options.queues ?? (app.conf.defaultQueue ? [app.conf.defaultQueue] : ['celery']);
  const concurrency = options.autoscale
    ? `${options.autoscale.min}–${options.autoscale.max} (autoscale)`
    : (options.concurrency ?? 10);
  for (const line of banner({
    hostname: worker.hostname,
    app: `${loaded!.path} (export ${loaded!.exportName})`,
    brokerUrl: app.brokerUrl,
    backendUrl: app.backendUrl,
    pool: options.pool ?? 'async',
    concurrency,
    prefetchMultiplier: options.prefetchMultiplier ?? 4,
    events: options.events === true,
    queues,
    tasks: app.tasks.map((task) => task.name),
    now: new Date(),
  })) {
    io.out(line);
  }

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
      // The worker retried and logged each attempt; the reason fits one line.
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
      io.err(`celeriac worker: could not start: ${reason}`);
      throw new CommandExit(1, 'the worker could not start');
    }
    // Until SIGTERM/SIGINT, the remote `shutdown` command, the launcher going, or a crash.
    const final = await worker.finished;
    if (final === 'crashed') throw new CommandExit(1, 'the worker crashed');
  } finally {
    stopWatching();
    removeSignalHandlers();
    await app.close();
  }
}
