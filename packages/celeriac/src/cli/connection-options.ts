/**
 * `-A/--app`, `-b/--broker` and `--backend` (Celery's `--result-backend` too), taken by
 * every command that talks to a broker, before the command name (`celeriac -A app.ts
 * inspect ping`, as Celery writes it) or after it; after wins.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { createApp } from '../app.js';
import type { App } from '../app.js';
import { readControlKeyFile } from '../control-key.js';
import { UsageError } from '../errors.js';
import { BrokerScheme, brokerScheme } from '../urls.js';
import type { LoadedApp } from './load-app.js';
import { loadApp } from './load-app.js';

/** The values of the connection options. */
export interface ConnectionFlags {
  app?: string;
  broker?: string;
  backend?: string;
  resultBackend?: string;
  /** `--control-key-file` (commands that send control requests). */
  controlKeyFile?: string;
}

/** Add the connection options to `command`. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('-A, --app <module>', 'app module (path[:export]): its broker, backend, routes')
    .option('-b, --broker <url>', 'broker URL (default: the app’s, $CELERIAC_BROKER_URL)')
    .option('--backend <url>', 'result backend URL (default: the app’s, or implied by the broker)')
    .addOption(new Option('--result-backend <url>', 'Celery’s name of --backend').hideHelp());
}

/**
 * `--control-key-file <path>`: sign control requests with the cluster's key (default
 * `$CELERIAC_CONTROL_KEY`), for the commands that send them.
 */
export function addControlKeyOption(command: Command): Command {
  return command.option(
    '--control-key-file <path>',
    'sign control requests with this key (default: $CELERIAC_CONTROL_KEY)',
  );
}

/** The connection options given to `command` and to the commands above it, nearest first. */
export function connectionFlags(command: Command): ConnectionFlags {
  const flags: ConnectionFlags = {};
  for (let c: Command | null = command; c; c = c.parent) {
    const opts = c.opts<ConnectionFlags>();
    const backend = opts.backend ?? opts.resultBackend;
    if (flags.app === undefined && opts.app !== undefined) flags.app = opts.app;
    if (flags.broker === undefined && opts.broker !== undefined) flags.broker = opts.broker;
    if (flags.backend === undefined && backend !== undefined) flags.backend = backend;
    if (flags.controlKeyFile === undefined && opts.controlKeyFile !== undefined) {
      flags.controlKeyFile = opts.controlKeyFile;
    }
  }
  return flags;
}

/** An app for a command, and the module it came from when `--app` named one. */
export interface CommandApp {
  readonly app: App;
  readonly loaded?: LoadedApp;
}

/**
 * The app the flags describe: the `--app` module's (on `-b`/`--backend` when given, as
 * Celery's flags override an app's configuration), or one made from the URLs alone.
 * With `sharedBroker`, an in-process `memory://` broker is refused: nothing outside this
 * process could ever see what the command sends or asks.
 */
export async function openApp(
  flags: ConnectionFlags,
  options: { sharedBroker: boolean },
): Promise<CommandApp> {
  const urls: { broker?: string; backend?: string; controlKey?: Uint8Array } = {};
  if (flags.broker !== undefined) urls.broker = flags.broker;
  if (flags.backend !== undefined) urls.backend = flags.backend;
  if (flags.controlKeyFile !== undefined)
    urls.controlKey = readControlKeyFile(flags.controlKeyFile);
  let result: CommandApp;
  if (flags.app !== undefined) {
    const loaded = await loadApp(flags.app);
    const changed = urls.broker || urls.backend || urls.controlKey;
    const app = changed ? loaded.app.withConnection(urls) : loaded.app;
    result = { app, loaded };
  } else {
    result = { app: createApp(urls) };
  }
  if (options.sharedBroker && brokerScheme(result.app.brokerUrl) === BrokerScheme.memory) {
    throw new UsageError(
      `the broker is ${result.app.brokerUrl}, which lives inside this one process: no worker ` +
        'could ever see what this command sends or asks. Name a shared broker with ' +
        '-b redis://… or -b amqp://…, $CELERIAC_BROKER_URL, or an --app whose createApp() names one',
    );
  }
  return result;
}
