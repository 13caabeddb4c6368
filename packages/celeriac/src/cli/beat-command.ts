/**
 * `celeriac beat -A ./app.ts`: one beat replica for the app's `beatSchedule`, in this
 * process, until SIGTERM or SIGINT — then it releases its lease (another replica leads at
 * its next poll) and exits 0. Run as many replicas as you like: one sends.
 */
import { Command } from 'commander';
import type { Beat, BeatEntryInfo } from '@celeriac/beat';
import type { Logger } from '@celeriac/worker';
import { createConsoleLogger } from '@celeriac/worker';
import type { App } from '../app.js';
import { UsageError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import type { BeatFlags } from './beat-flags.js';
import { beatOptions, beatOptionsFrom } from './beat-flags.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { watchLauncher } from './launcher-watch.js';
import { installTelemetry } from './telemetry/install-telemetry.js';
import { celeriacVersion } from './version.js';
import { logLevelOption } from './worker-flags.js';
import type { WorkerFlags } from './worker-flags.js';

type Flags = BeatFlags & Pick<WorkerFlags, 'loglevel'> & { schedule?: string };

/** The `beat` command. */
export function beatCommand(io: Io): Command {
  const command = addConnectionOptions(new Command('beat'))
    .description('run a beat replica: send the app’s periodic tasks (any number run, one sends)')
    .addOption(logLevelOption());
  for (const option of beatOptions('')) command.addOption(option);
  return command
    .option('-s, --schedule <file>', 'Celery’s schedule file: not used, state is in the broker')
    .action((flags: Flags, self: Command) => runBeat(io, flags, self));
}

async function runBeat(io: Io, flags: Flags, command: Command): Promise<void> {
  const connection = connectionFlags(command);
  if (connection.app === undefined) {
    throw new UsageError('--app is required: the module whose createApp({ beatSchedule }) it runs');
  }
  const options = beatOptionsFrom(flags);
  const logger = createConsoleLogger({ level: flags.loglevel });
  const telemetry = await installTelemetry({
    serviceName: 'celeriac-beat',
    prometheus: false,
    warn: (line) => logger.warn(line),
  });
  let app: App | undefined;
  try {
    app = (await openApp(connection, { sharedBroker: true })).app;
    if (flags.schedule !== undefined) {
      logger.info(`--schedule ${flags.schedule} ignored: the schedule state is kept in the broker`);
    }
    const beat = await app.beat({ ...options, logger });
    // The banner's entries come from the store; a store that does not answer now is no
    // reason not to start (the beat retries, degraded, until it does).
    const entries = await beat.entries().then(
      (list) => list,
      (error: unknown) => {
        const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
        logger.warn(`beat: could not list the entries yet: ${reason}`);
        return undefined;
      },
    );
    for (const line of bannerLines(app, beat, entries)) io.out(line);
    await runUntilStopped(beat, logger);
  } finally {
    await app?.close();
    await telemetry.shutdown();
  }
}

/** Start, then wait for SIGTERM/SIGINT (or the launcher going) and stop: the lease is released. */
async function runUntilStopped(beat: Beat, logger: Logger): Promise<void> {
  let stopAsked!: () => void;
  const stopped = new Promise<void>((resolve) => (stopAsked = resolve));
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1 || signal === 'SIGQUIT') {
      logger.warn(`${signal} received again: exiting now (the lease lapses on its own)`);
      process.exit(1);
    }
    logger.info(`${signal} received: stopping (releasing the lease)`);
    stopAsked();
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
  for (const signal of signals) process.on(signal, onSignal);
  const stopWatching = watchLauncher(({ reason }) => {
    logger.info(`Stopping: ${reason}`);
    stopAsked();
  });
  try {
    await Promise.race([beat.start(), stopped]);
    await stopped;
    await beat.stop();
    logger.info('beat: stopped');
  } finally {
    stopWatching();
    for (const signal of signals) process.off(signal, onSignal);
  }
}

function bannerLines(
  app: App,
  beat: Beat,
  entries: readonly BeatEntryInfo[] | undefined,
): string[] {
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(13)} ${value}`;
  return [
    `celeriac beat v${celeriacVersion()} (Node ${process.version}, pid ${process.pid}) is starting.`,
    '[config]',
    row('broker', maskUrl(app.brokerUrl)),
    row('namespace', beat.namespace),
    row('replica', beat.holder),
    row('timezone', app.conf.timezone ?? 'UTC'),
    '[entries]',
    ...(entries === undefined
      ? [`  (${Object.keys(app.conf.beatSchedule ?? {}).join(', ') || 'none'}; state unknown yet)`]
      : entries.length > 0
        ? entries.map((e) => `  . ${e.name}: ${e.task} ${describe(e)}`)
        : ['  (none yet: the app declares no beatSchedule; entries added at run time will run)']),
    '',
  ];
}

function describe(entry: BeatEntryInfo): string {
  if (entry.problem !== undefined) return `(held: ${entry.problem.message})`;
  const next =
    entry.nextRunAt === undefined ? 'no next run' : `next ${entry.nextRunAt.toISOString()}`;
  return `(${next})`;
}
