/**
 * `celeriac purge [-Q QUEUES] [-X QUEUES] [-f]`: delete every waiting message of the
 * app's queues (Celery's `celery purge`), after a confirmation unless `-f`.
 */
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import type { AppOptions } from '../app.js';
import { CommandExit } from './command-exit.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { list } from './parse-options.js';

interface PurgeFlags {
  queues?: string[];
  excludeQueues?: string[];
  force?: boolean;
}

/** The `purge` command; `confirm` asks the question (default: a line from stdin). */
export function purgeCommand(
  io: Io,
  confirm: (question: string) => Promise<boolean> = ask,
): Command {
  return addConnectionOptions(new Command('purge'))
    .description('delete every waiting task message of the queues (there is no undo)')
    .option('-Q, --queues <a,b>', 'queues to purge (default: the app’s queues)', list)
    .option('-X, --exclude-queues <a,b>', 'queues not to purge', list)
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (flags: PurgeFlags, command: Command) => {
      const { app } = await openApp(connectionFlags(command), { sharedBroker: true });
      try {
        const known = flags.queues ?? appQueues(app.conf);
        const excluded = new Set(flags.excludeQueues ?? []);
        const queues = known.filter((queue) => !excluded.has(queue));
        if (queues.length === 0) {
          io.out('No queue to purge.');
          return;
        }
        const names = queues.join(', ');
        if (
          !flags.force &&
          !(await confirm(
            `WARNING: this removes every waiting task from ${plural(queues.length, 'queue')} ` +
              `(${names}). There is no undo. (Skip this question with -f.)\n` +
              'Delete all these tasks (yes/NO)? ',
          ))
        ) {
          io.err('Nothing purged.');
          throw new CommandExit(1, 'purge declined');
        }
        const client = await app.client();
        let purged = 0;
        for (const queue of queues) purged += await client.transport.purgeQueue(queue);
        io.out(
          purged === 0
            ? `No messages purged from ${plural(queues.length, 'queue')}.`
            : `Purged ${plural(purged, 'message')} from ${plural(queues.length, 'known task queue')}.`,
        );
      } finally {
        await app.close();
      }
    });
}

/** The queues an app sends to by default: its declared queues, else its default queue. */
export function appQueues(conf: Pick<AppOptions, 'defaultQueue' | 'queues'>): string[] {
  const names = new Set<string>([conf.defaultQueue ?? 'celery']);
  for (const queue of conf.queues ?? []) names.add(queue.name);
  return [...names];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // EOF (no terminal, nothing piped) answers no.
    const answer = await Promise.race([
      rl.question(question),
      new Promise<string>((resolve) => rl.once('close', () => resolve(''))),
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
