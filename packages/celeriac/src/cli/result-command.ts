/**
 * `celeriac result ID [--traceback]`: a task's result from the result backend (Celery's
 * `celery result`), waiting for it up to `--timeout` seconds when it is not ready yet.
 */
import { Command } from 'commander';
import { TimeoutError } from '@celeriac/protocol';
import { UsageError } from '../errors.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { seconds } from './parse-options.js';

interface ResultFlags {
  traceback?: boolean;
  timeout: number;
}

/** The `result` command. */
export function resultCommand(io: Io): Command {
  return addConnectionOptions(new Command('result'))
    .description('print a task’s result as JSON (a failure: its error, exit 1)')
    .argument('<task-id>', 'the task’s id')
    .option('--traceback', 'print the traceback of a failed task instead')
    .option('--timeout <s>', 'wait this long for a result not ready yet', seconds, 10)
    .action(async (id: string, flags: ResultFlags, command: Command) => {
      const { app } = await openApp(connectionFlags(command), { sharedBroker: true });
      try {
        if (/^rpc:/i.test(app.backendUrl)) {
          throw new UsageError(
            'the result backend is rpc://, which hands each result only to the client that sent ' +
              'the task: read it there (call --wait), or give a backend that stores results (--backend redis://…)',
          );
        }
        const result = (await app.client()).asyncResult(id);
        if (flags.traceback) {
          const meta = await result.meta();
          io.out(meta.traceback ?? `(no traceback: task ${id} is ${meta.status})`);
          return;
        }
        try {
          io.out(JSON.stringify(await result.get({ timeoutMs: flags.timeout * 1000 })));
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          throw new TimeoutError(
            `task ${id} is still ${await result.state()} after ${flags.timeout} s ` +
              '(not finished, or an id this backend never saw)',
          );
        }
      } finally {
        await app.close();
      }
    });
}
