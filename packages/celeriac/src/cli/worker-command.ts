/**
 * `celeriac worker --app ./app.ts [-Q q1,q2] [-c N] [-n name] [-E] [-l level]`: run a
 * worker for the app's tasks until SIGTERM/SIGINT (warm) or a second SIGINT/SIGQUIT (cold).
 */
import { parseArgs } from 'node:util';
import { LogLevel, createConsoleLogger } from '@celeriac/worker';
import type { AppWorkerOptions } from '../app.js';
import { loadApp } from './load-app.js';
import { UsageError } from './usage-error.js';

/** Help text of the `worker` command. */
export const WORKER_USAGE = `Usage: celeriac worker --app <module[:export]> [options]

Run a worker for the tasks the app module registers.

Options:
  -A, --app <module>          the app module (TypeScript or JavaScript) exporting the app
  -Q, --queues <a,b>          queues to consume (default: celery)
  -c, --concurrency <n>       tasks executed at once (default: 10)
  -n, --hostname <name>       node name (default: celeriac@<host>)
  -E, --events                send task events (celery events, Flower)
      --prefetch-multiplier <n>  prefetch = concurrency x this (default: 4)
  -l, --loglevel <level>      debug, info, warning, error (default: info)
      --shutdown-timeout <s>  warm shutdown waits this long for running tasks (default: 30)
`;

const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.debug,
  info: LogLevel.info,
  warning: LogLevel.warn,
  warn: LogLevel.warn,
  error: LogLevel.error,
};

/** Run the `worker` command; resolves when the worker has stopped. */
export async function workerCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      app: { type: 'string', short: 'A' },
      queues: { type: 'string', short: 'Q' },
      concurrency: { type: 'string', short: 'c' },
      hostname: { type: 'string', short: 'n' },
      events: { type: 'boolean', short: 'E' },
      'prefetch-multiplier': { type: 'string' },
      loglevel: { type: 'string', short: 'l' },
      'shutdown-timeout': { type: 'string' },
    },
    strict: true,
  });
  if (!values.app) throw new UsageError('worker: --app is required', WORKER_USAGE);
  const level = LEVELS[(values.loglevel ?? 'info').toLowerCase()];
  if (level === undefined) {
    throw new UsageError(`worker: unknown --loglevel ${values.loglevel}`, WORKER_USAGE);
  }
  const options: AppWorkerOptions = { logger: createConsoleLogger({ level }) };
  if (values.queues) options.queues = values.queues.split(',').map((q) => q.trim());
  if (values.concurrency) options.concurrency = positiveInt('--concurrency', values.concurrency);
  if (values.hostname) options.hostname = values.hostname;
  if (values.events) options.events = true;
  if (values['prefetch-multiplier']) {
    options.prefetchMultiplier = positiveInt(
      '--prefetch-multiplier',
      values['prefetch-multiplier'],
      0,
    );
  }
  if (values['shutdown-timeout']) {
    options.shutdownTimeoutMs =
      positiveInt('--shutdown-timeout', values['shutdown-timeout']) * 1000;
  }

  const app = await loadApp(values.app);
  const worker = await app.worker(options);
  worker.installSignalHandlers();
  await worker.start();
  // Until SIGTERM/SIGINT, the remote `shutdown` command, or a crash.
  const final = await worker.finished;
  await app.close();
  return final === 'crashed' ? 1 : 0;
}

function positiveInt(flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      `worker: ${flag} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`,
      WORKER_USAGE,
    );
  }
  return n;
}
