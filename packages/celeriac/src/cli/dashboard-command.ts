/**
 * `celeriac dashboard`: the live web dashboard (`@celeriac/dashboard`) on the broker of
 * `-b` or the app, with Flower's defaults (127.0.0.1:5555), optional basic auth or a
 * token, read-only unless `--enable-control` or a control key is given. The bin starts it
 * under `DASHBOARD_NODE_FLAGS` (small V8 heaps, interpreter only; about half the RSS under
 * load). The dashboard's modules (its server, the monitor) load only when it runs, not in
 * every `celeriac` process.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BasicUser, DashboardAuth, DashboardControl } from '@celeriac/dashboard';
import type { ResultBackend, Transport } from '@celeriac/protocol';
import { createConsoleLogger } from '@celeriac/worker';
import { DEFAULT_CONNECT_TIMEOUT_MS, connectPair } from '../connect.js';
import { controlKeyFromEnv, controlSigner, readControlKeyFile } from '../control-key.js';
import { UsageError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { createResultBackend, createTransport } from '../urls.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { integer, list } from './parse-options.js';

interface DashboardFlags {
  port: number;
  address: string;
  basicAuth?: string[];
  authToken?: string;
  enableControl?: boolean;
  controlKeyFile?: string;
  maxTasks?: number;
  queues?: string[];
}

/** Flower's `user:pass`. */
function basicUser(text: string): BasicUser {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new InvalidArgumentError('expected user:password');
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The `dashboard` command. */
export function dashboardCommand(io: Io): Command {
  return addConnectionOptions(new Command('dashboard'))
    .description('serve the live web dashboard: workers, actor trees, tasks, queues')
    .option('--port <port>', 'TCP port (Flower’s default)', integer(0), 5555)
    .option('--address <host>', 'address to listen on', '127.0.0.1')
    .option('--basic-auth <user:pass,…>', 'HTTP basic authentication (comma-separated users)', list)
    .addOption(
      new Option('--auth-token <token>', 'require this bearer token (or ?token= once)').env(
        'CELERIAC_DASHBOARD_TOKEN',
      ),
    )
    .option('--enable-control', 'revoke/terminate buttons (unsigned without a control key)')
    .option(
      '--control-key-file <path>',
      'revoke/terminate buttons, signed with this key (default: $CELERIAC_CONTROL_KEY)',
    )
    .option('--max-tasks <n>', 'tasks kept in memory (default: 10000)', integer(1))
    .option('-Q, --queues <a,b>', 'queues to show besides those the workers consume', list)
    .action((flags: DashboardFlags, self: Command) => runDashboard(io, flags, self));
}

async function runDashboard(io: Io, flags: DashboardFlags, command: Command): Promise<void> {
  const auth = authOf(flags);
  const control = controlOf(flags);
  // The key is the dashboard's (read above), not the app's client's.
  const { controlKeyFile, ...connection } = connectionFlags(command);
  void controlKeyFile;
  const { app } = await openApp(connection, { sharedBroker: true });
  const logger = createConsoleLogger({ name: 'dashboard' });
  let transport: Transport | undefined;
  let backend: ResultBackend | undefined;
  try {
    transport = await createTransport(app.brokerUrl, app.conf);
    backend = await createResultBackend(app.backendUrl, app.brokerUrl, app.conf);
    await connectPair(
      { transport, backend, brokerUrl: app.brokerUrl, backendUrl: app.backendUrl },
      app.conf.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    // rpc:// hands results only to the client that sent the task: nothing to read here.
    const stored = app.backendUrl.startsWith('rpc:') ? undefined : backend;
    const { startDashboard } = await import('@celeriac/dashboard');
    const dashboard = await startDashboard({
      transport,
      ...(stored ? { backend: stored } : {}),
      port: flags.port,
      address: flags.address,
      broker: maskUrl(app.brokerUrl),
      logger,
      ...(auth ? { auth } : {}),
      ...(control ? { control } : {}),
      ...(flags.maxTasks !== undefined ? { maxTasks: flags.maxTasks } : {}),
      ...(flags.queues ? { queues: flags.queues } : {}),
    });
    const mode = control
      ? 'sign' in control
        ? 'control signed'
        : 'control unsigned'
      : 'read-only';
    io.out(`celeriac dashboard on ${dashboard.url} (${maskUrl(app.brokerUrl)}, ${mode})`);
    await untilSignal(logger);
    await dashboard.close();
  } finally {
    await Promise.allSettled([transport?.close(), backend?.close()]);
    await app.close();
  }
}

function authOf(flags: DashboardFlags): DashboardAuth | undefined {
  if (flags.basicAuth && flags.authToken !== undefined) {
    throw new UsageError('--basic-auth and --auth-token exclude each other; choose one');
  }
  if (flags.basicAuth) {
    const users: BasicUser[] = [];
    for (const entry of flags.basicAuth) {
      try {
        users.push(basicUser(entry));
      } catch {
        throw new UsageError(`--basic-auth: "${entry.split(':', 1)[0]}…" is not user:password`);
      }
    }
    return { basic: users };
  }
  return flags.authToken === undefined ? undefined : { token: flags.authToken };
}

function controlOf(flags: DashboardFlags): DashboardControl | undefined {
  const key =
    flags.controlKeyFile === undefined
      ? controlKeyFromEnv()
      : readControlKeyFile(flags.controlKeyFile);
  if (key !== undefined) return { sign: controlSigner(key) };
  return flags.enableControl ? { unsigned: true } : undefined;
}

function untilSignal(logger: { info(message: string): void }): Promise<void> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      logger.info(`${signal} received: stopping`);
      resolve();
    };
    for (const signal of signals) process.on(signal, stop);
  });
}
