/**
 * Celery's `celery worker` flags → the worker's options (contract: `WorkerOptions` of
 * `@celeriac/worker`). Hard and soft time limits are task defaults, as in Celery.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { LogLevel } from '@celeriac/worker';
import type { AppWorkerOptions } from '../app.js';
import type { LoadedApp } from './load-app.js';
import { unitExecArgv } from './loader.js';
import { beatOptions } from './beat-flags.js';
import { autoscale, integer, list, seconds } from './parse-options.js';

/** The values of the worker's flags. */
export interface WorkerFlags {
  queues?: string[];
  concurrency?: number;
  pool?: 'async' | 'threads' | 'processes' | 'prefork';
  maxTasksPerChild?: number;
  maxMemoryPerChild?: number;
  timeLimit?: number;
  softTimeLimit?: number;
  autoscale?: { max: number; min: number };
  hostname?: string;
  events?: boolean;
  loglevel: LogLevel;
  prefetchMultiplier?: number;
  shutdownTimeout?: number;
  metricsPort?: number;
  metricsHost: string;
  /**
   * `--control-key-file`: read as every command reads it (`connection-options.ts` gives
   * the key to the app, whose workers then require it).
   */
  controlKeyFile?: string;
  allowUnsignedControl?: boolean;
  withoutControl?: boolean;
  /** `-B`: run a beat replica in the worker (a child of its actor tree). */
  beat?: boolean;
  beatNamespace?: string;
  beatLease?: number;
  beatMaxInterval?: number;
}

/** Celery's level names (any case) → the worker logger's. */
const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.debug,
  info: LogLevel.info,
  warning: LogLevel.warn,
  warn: LogLevel.warn,
  error: LogLevel.error,
  critical: LogLevel.error,
  fatal: LogLevel.error,
};

/** `-l, --loglevel <level>`, Celery's level names (worker and beat). */
export function logLevelOption(): Option {
  return new Option('-l, --loglevel <level>', 'debug, info, warning, error, critical')
    .default(LogLevel.info, 'info')
    .argParser((text: string) => {
      const level = LEVELS[text.toLowerCase()];
      if (level === undefined) {
        throw new InvalidArgumentError(`unknown level; use ${Object.keys(LEVELS).join(', ')}`);
      }
      return level;
    });
}

/** Add the worker's flags to `command`. */
export function addWorkerFlags(command: Command): Command {
  command.option('-B, --beat', 'also run a beat replica for the app’s beatSchedule');
  for (const option of beatOptions('beat-')) command.addOption(option);
  return command
    .option('-Q, --queues <a,b>', 'queues to consume (default: celery)', list)
    .option(
      '-c, --concurrency <n>',
      'tasks run at once: the pool’s units (default: 10)',
      integer(1),
    )
    .addOption(
      new Option('-P, --pool <kind>', 'pool: async (I/O-bound), threads or processes (CPU-bound)')
        .choices(['async', 'threads', 'processes', 'prefork'])
        .default('async'),
    )
    .option('--max-tasks-per-child <n>', 'replace a unit after this many tasks', integer(1))
    .option('--max-memory-per-child <kib>', 'replace a unit above this memory (KiB)', integer(1))
    .option('--time-limit <s>', 'hard time limit of every task: its unit is ended', seconds)
    .option('--soft-time-limit <s>', 'soft time limit: the task’s signal aborts', seconds)
    .option('--autoscale <max,min>', 'grow and shrink the pool between MIN and MAX', autoscale)
    .option('-n, --hostname <name>', 'node name; %h %n %d %i %I expand (default: celeriac@%h)')
    .option('-E, --events', 'send task events (celery events, Flower)')
    .addOption(logLevelOption())
    .option(
      '--prefetch-multiplier <n>',
      'prefetch = concurrency × n; 0: no limit (default: 4)',
      integer(0),
    )
    .option(
      '--shutdown-timeout <s>',
      'warm shutdown waits this long for tasks (default: 30)',
      seconds,
    )
    .addOption(
      new Option('--metrics-port <port>', 'serve /metrics, /livez and /readyz on this port')
        .env('CELERIAC_METRICS_PORT')
        .argParser(integer(0)),
    )
    .addOption(
      new Option('--metrics-host <host>', 'address of the metrics port')
        .env('CELERIAC_METRICS_HOST')
        .default('0.0.0.0'),
    )
    .addOption(
      new Option(
        '--control-key-file <path>',
        'the cluster’s control key: changing remote-control commands must be signed with it',
      ).env('CELERIAC_CONTROL_KEY_FILE'),
    )
    .option(
      '--allow-unsigned-control',
      'run unsigned changing commands (Celery’s behaviour, for Python’s celery control)',
    )
    .option('--without-control', 'turn remote control off (inspect and control unanswered)')
    .addOption(new Option('--without-heartbeat', 'accepted for Celery’s command lines').hideHelp())
    .addOption(new Option('--without-gossip', 'accepted for Celery’s command lines').hideHelp())
    .addOption(new Option('--without-mingle', 'accepted for Celery’s command lines').hideHelp());
}

/** The worker options the flags ask for (the logger is the caller's). */
export function workerOptionsFrom(
  flags: WorkerFlags,
  loaded: LoadedApp,
): Omit<AppWorkerOptions, 'logger'> {
  const options: Omit<AppWorkerOptions, 'logger'> = {};
  if (flags.queues) options.queues = flags.queues;
  if (flags.concurrency !== undefined) options.concurrency = flags.concurrency;
  const pool = flags.pool === 'prefork' ? 'processes' : (flags.pool ?? 'async');
  options.pool = pool;
  if (pool !== 'async') {
    // Thread and process units import the app themselves, loading it as this process did.
    options.appModule = loaded.moduleRef;
    options.unitExecArgv = unitExecArgv(loaded.typeScript);
  }
  if (flags.maxTasksPerChild !== undefined) options.maxTasksPerChild = flags.maxTasksPerChild;
  if (flags.maxMemoryPerChild !== undefined) options.maxMemoryPerChild = flags.maxMemoryPerChild;
  if (flags.autoscale) options.autoscale = flags.autoscale;
  if (flags.hostname !== undefined) options.hostname = flags.hostname;
  if (flags.events) options.events = true;
  // The key itself reaches the worker through the app (`--control-key-file` or
  // $CELERIAC_CONTROL_KEY): app.worker() requires it. These flags only loosen or cut.
  if (flags.withoutControl) options.control = false;
  else if (flags.allowUnsignedControl) options.control = { allowUnsigned: true };
  if (flags.prefetchMultiplier !== undefined) {
    options.prefetchMultiplier = flags.prefetchMultiplier;
  }
  if (flags.shutdownTimeout !== undefined) {
    options.shutdownTimeoutMs = flags.shutdownTimeout * 1000;
  }
  if (flags.timeLimit !== undefined || flags.softTimeLimit !== undefined) {
    options.taskDefaults = {
      ...(flags.timeLimit !== undefined ? { timeLimit: flags.timeLimit } : {}),
      ...(flags.softTimeLimit !== undefined ? { softTimeLimit: flags.softTimeLimit } : {}),
    };
  }
  return options;
}
