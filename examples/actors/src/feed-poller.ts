/**
 * The feed poller of the jumpstarter design: `polling → processing → polling`. Polling
 * goes on while the actor is degraded (entries pile up in a buffer); processing — which
 * needs storage — runs only while healthy. The health check degrades the actor, with the
 * reason, when its storage stops answering. A corrupt entry crashes the actor, and its
 * supervisor restarts it.
 */
import { trace } from '@opentelemetry/api';
import { defineActor, taskInput } from '@celeriac/actors';
import { CorruptEntryError, Feed } from './storage.js';
import type { Storage } from './storage.js';

/** Knobs of the poller, so the demo can run fast. */
export interface PollerOptions {
  readonly pollEveryMs: number;
  readonly checkEveryMs: number;
  /** The storage instance to use; the demo keeps a handle to break it on purpose. */
  readonly storage: Storage;
  /** The feed; the demo keeps a handle to corrupt it on purpose. */
  readonly feed?: Feed;
  readonly log: (line: string) => void;
}

// The application's own spans: they nest under the actor's step span.
const tracer = trace.getTracer('example-feed-poller');

/** Defines the poller actor. */
export function feedPoller(options: PollerOptions) {
  const buffer: string[] = [];
  return defineActor({
    name: 'feed-poller',
    resources: {
      storage: () => options.storage,
      feed: {
        acquire: () => options.feed ?? new Feed(),
        release: (feed, reason) => {
          feed.close();
          options.log(`feed closed (${reason})`);
        },
      },
    },
    tasks: {
      polling: {
        allowedIn: ['healthy', 'degraded'],
        run: async ({ resources, sleep, next, actor }) => {
          await sleep(options.pollEveryMs);
          const entries = await resources.feed.fetch();
          buffer.push(...entries);
          return actor.health === 'healthy'
            ? next('processing', buffer.splice(0))
            : next('polling');
        },
      },
      processing: {
        allowedIn: ['healthy'],
        // Typed input: `next('processing', …)` and `run('processing', …)` take a string[].
        input: taskInput<string[]>(),
        run: async ({ input, resources, next }) => {
          const bad = input.find((entry) => !entry.startsWith('entry-'));
          if (bad !== undefined) throw new CorruptEntryError(`cannot parse ${JSON.stringify(bad)}`);
          await tracer.startActiveSpan('storage.write', async (span) => {
            await resources.storage.write(input);
            span.setAttribute('entries', input.length);
            span.end();
          });
          return next('polling');
        },
      },
    },
    initialTask: 'polling',
    healthCheck: {
      intervalMs: options.checkEveryMs,
      check: async ({ resources }) =>
        (await resources.storage.ping())
          ? 'healthy'
          : { health: 'degraded', reason: 'storage does not answer ping' },
    },
  });
}
