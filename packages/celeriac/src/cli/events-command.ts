/**
 * `celeriac events [--dump]`: watch the fleet's events (Celery's `celery events`) —
 * celeriac and Python workers started with `-E`. Without `--dump`, a live view of the
 * workers and the latest tasks on `@celeriac/monitor`'s cluster state; with it, one JSON
 * line per event as it arrives. Runs until Ctrl-C or SIGTERM.
 */
import { Command } from 'commander';
import { createEventReceiver, createMonitor } from '@celeriac/monitor';
import { maskUrl } from '../mask-url.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import { renderView } from './events-view.js';
import type { Io } from './io.js';
import { integer, seconds } from './parse-options.js';

interface EventsFlags {
  dump?: boolean;
  frequency: number;
  maxTasks: number;
}

/** The `events` command. */
export function eventsCommand(io: Io): Command {
  return addConnectionOptions(new Command('events'))
    .description('watch workers and tasks live (workers need -E); --dump prints every event')
    .option('--dump', 'print each event as one JSON line')
    .option('-F, --frequency <s>', 'redraw the view every S seconds', seconds, 1)
    .option('--max-tasks <n>', 'tasks the view shows', integer(1), 20)
    .action(async (flags: EventsFlags, self: Command) => {
      const { app } = await openApp(connectionFlags(self), { sharedBroker: true });
      const stopped = untilSignal();
      try {
        const client = await app.client();
        if (flags.dump) {
          const receiver = createEventReceiver({ transport: client.transport });
          receiver.subscribe((events) => {
            for (const event of events) io.out(JSON.stringify(event));
          });
          await receiver.start();
          await stopped;
          await receiver.stop();
          return;
        }
        const monitor = createMonitor({ transport: client.transport, control: client.control });
        await monitor.start();
        const tty = process.stdout.isTTY;
        const draw = () => {
          const lines = renderView({
            title: `celeriac events on ${maskUrl(app.brokerUrl)}`,
            workers: monitor.state.workers(),
            tasks: monitor.state.tasks({ limit: flags.maxTasks }),
            tasksByState: monitor.state.tasksByState(),
            now: Date.now() / 1000,
          });
          // A terminal is redrawn in place; a pipe gets one frame after another.
          if (tty) process.stdout.write('\x1b[H\x1b[2J');
          for (const line of lines) io.out(line);
          if (!tty) io.out('');
        };
        const timer = setInterval(draw, flags.frequency * 1000);
        draw();
        await stopped;
        clearInterval(timer);
        await monitor.stop();
      } finally {
        await app.close();
      }
    });
}

/** Resolves at the first SIGINT or SIGTERM (handled here: the command ends cleanly). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
