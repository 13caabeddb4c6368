/**
 * `celeriac inspect`, `celeriac control` and `celeriac status`: ask or tell the workers —
 * celeriac's and Python Celery's alike — through the control client (Celery's
 * `app.control`), and print each node's reply as `celery inspect` does as it arrives (or,
 * with `--json`, all replies as one JSON object).
 */
import { Argument, Command } from 'commander';
import { TimeoutError } from '@celeriac/protocol';
import {
  addConnectionOptions,
  addControlKeyOption,
  connectionFlags,
  openApp,
} from './connection-options.js';
import type { Io } from './io.js';
import { list, seconds } from './parse-options.js';
import { CONTROL_COMMANDS, INSPECT_COMMANDS, commandArguments } from './remote-commands.js';
import { nodesOnline, replyLines } from './remote-reply.js';

interface RemoteFlags {
  destination?: string[];
  timeout: number;
  json?: boolean;
}

function addRemoteOptions(command: Command): Command {
  return addControlKeyOption(addConnectionOptions(command))
    .option('-d, --destination <nodes>', 'only these nodes (comma-separated names)', list)
    .option('-t, --timeout <s>', 'how long to wait for replies', seconds, 1)
    .option('-j, --json', 'print the replies as one JSON object');
}

function commandTable(
  table: Readonly<Record<string, { signature: string; help: string }>>,
): string {
  const heads = Object.entries(table).map(([name, spec]) => `${name} ${spec.signature}`.trim());
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  const rows = Object.values(table).map((spec, i) => `  ${heads[i]!.padEnd(width)}${spec.help}`);
  return `\nCommands:\n${rows.join('\n')}`;
}

/** The `inspect` command. */
export function inspectCommand(io: Io): Command {
  return addRemoteOptions(new Command('inspect'))
    .description('ask the workers (celeriac and Python) what they are doing')
    .addArgument(new Argument('<command>', 'what to ask').choices(Object.keys(INSPECT_COMMANDS)))
    .argument('[args...]', 'the command’s arguments')
    .addHelpText('after', commandTable(INSPECT_COMMANDS))
    .action((command: string, args: string[], flags: RemoteFlags, self: Command) =>
      remote(io, 'inspect', command, args, flags, self),
    );
}

/** The `control` command. */
export function controlCommand(io: Io): Command {
  return addRemoteOptions(new Command('control'))
    .description('tell the workers (celeriac and Python) to change what they do')
    .addArgument(new Argument('<command>', 'what to do').choices(Object.keys(CONTROL_COMMANDS)))
    .argument('[args...]', 'the command’s arguments')
    .addHelpText('after', commandTable(CONTROL_COMMANDS))
    .action((command: string, args: string[], flags: RemoteFlags, self: Command) =>
      remote(io, 'control', command, args, flags, self),
    );
}

/** The `status` command: the nodes that answer a ping. */
export function statusCommand(io: Io): Command {
  return addRemoteOptions(new Command('status'))
    .description('list the workers that are online')
    .action((flags: RemoteFlags, self: Command) => remote(io, 'status', 'ping', [], flags, self));
}

async function remote(
  io: Io,
  kind: 'inspect' | 'control' | 'status',
  command: string,
  words: readonly string[],
  flags: RemoteFlags,
  self: Command,
): Promise<void> {
  const args = kind === 'status' ? {} : commandArguments(kind, command, words);
  const { app } = await openApp(connectionFlags(self), { sharedBroker: true });
  try {
    const control = (await app.client()).control;
    const options = {
      timeoutMs: flags.timeout * 1000,
      ...(flags.destination ? { destination: flags.destination } : {}),
    };
    if (command === 'shutdown') {
      // Workers stop instead of answering (Python's too).
      await control.broadcast(command, { ...options, reply: false });
      io.out(`Shutdown sent to ${flags.destination?.join(', ') ?? 'every worker'}.`);
      return;
    }
    const replies = await control.broadcast(command, {
      ...options,
      arguments: args,
      reply: true,
      ...(flags.json
        ? {}
        : {
            onReply: (node: string, reply: unknown) => {
              for (const line of replyLines(node, reply, kind !== 'status')) io.out(line);
            },
          }),
    });
    const count = Object.keys(replies).length;
    if (count === 0) {
      throw new TimeoutError(`no node replied to ${command} within ${flags.timeout} s`);
    }
    if (flags.json) io.out(JSON.stringify(replies));
    else io.out(`\n${nodesOnline(count)}`);
  } finally {
    await app.close();
  }
}
