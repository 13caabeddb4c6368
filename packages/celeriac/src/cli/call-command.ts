/**
 * `celeriac call <task> [--args JSON] [--kwargs JSON] [options]`: send one task by name,
 * print its id, and with `--wait` its result (Celery's `celery call`, plus the wait).
 */
import { Command } from 'commander';
import type { SendTaskOptions } from '@celeriac/client';
import { TimeoutError } from '@celeriac/protocol';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { integer, json, number, seconds } from './parse-options.js';
import { apiVersionWarnings } from './telemetry/api-versions.js';
import { installTelemetry } from './telemetry/install-telemetry.js';

interface CallFlags {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  queue?: string;
  routingKey?: string;
  exchange?: string;
  countdown?: number;
  eta?: string;
  expires?: number;
  priority?: number;
  wait?: boolean;
  timeout: number;
}

/** The `call` command. */
export function callCommand(io: Io): Command {
  return addConnectionOptions(new Command('call'))
    .description('send a task by name and print its id; with --wait, then its result')
    .argument('<task>', 'the task name (need not be defined here: only the name travels)')
    .option('-a, --args <json>', 'positional arguments, a JSON array', json('array'))
    .option('-k, --kwargs <json>', 'keyword arguments, a JSON object', json('object'))
    .option('-Q, --queue <name>', 'queue to send to (default: the app’s routes)')
    .option('--routing-key <key>', 'routing key')
    .option('--exchange <name>', 'exchange')
    .option('--countdown <s>', 'run no earlier than this many seconds from now', number)
    .option('--eta <iso>', 'run no earlier than this time (ISO 8601)')
    .option('--expires <s>', 'revoke if not started within this many seconds', seconds)
    .option('--priority <n>', 'message priority (0–255)', integer(0))
    .option('-w, --wait', 'wait for the result and print it as JSON')
    .option('--timeout <s>', 'with --wait: give up after this many seconds', seconds, 30)
    .action((task: string, flags: CallFlags, command: Command) => call(io, task, flags, command));
}

async function call(io: Io, task: string, flags: CallFlags, command: Command): Promise<void> {
  const options: SendTaskOptions = {};
  if (flags.queue !== undefined) options.queue = flags.queue;
  if (flags.routingKey !== undefined) options.routingKey = flags.routingKey;
  if (flags.exchange !== undefined) options.exchange = flags.exchange;
  if (flags.countdown !== undefined) options.countdown = flags.countdown;
  if (flags.eta !== undefined) options.eta = flags.eta;
  if (flags.expires !== undefined) options.expires = flags.expires;
  if (flags.priority !== undefined) options.priority = flags.priority;

  const telemetry = await installTelemetry({
    serviceName: 'celeriac-call',
    warn: (line) => io.err(`celeriac call: ${line}`),
  });
  try {
    await send(io, task, flags, command, options);
  } finally {
    // Flush the send span before the process exits.
    await telemetry.shutdown();
  }
}

async function send(
  io: Io,
  task: string,
  flags: CallFlags,
  command: Command,
  options: SendTaskOptions,
): Promise<void> {
  const { app, loaded } = await openApp(connectionFlags(command), { sharedBroker: true });
  if (loaded) {
    for (const warning of apiVersionWarnings(loaded.path))
      io.err(`celeriac call: warning: ${warning}`);
  }
  try {
    const result = await app.sendTask(task, flags.args ?? [], flags.kwargs ?? {}, options);
    io.out(result.id);
    if (!flags.wait) return;
    try {
      io.out(JSON.stringify(await result.get({ timeoutMs: flags.timeout * 1000 })));
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      throw new TimeoutError(
        `no result within ${flags.timeout} s: task ${result.id} is ${await result.state()}`,
      );
    }
  } finally {
    await app.close();
  }
}
