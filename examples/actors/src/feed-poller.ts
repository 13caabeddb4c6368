/**
 * The feed poller of the jumpstarter design: `polling → processing → polling`. Polling
 * goes on while the actor is degraded (entries pile up in a buffer); processing — which
 * needs storage — runs only while healthy. The health check degrades the actor when its
 * storage stops answering, and recovers it when storage is back.
 */
import { defineActor } from '@celeriac/actors';
import type { Storage } from './storage.js';
import { Feed } from './storage.js';

/** Knobs of the poller, so the demo can run fast. */
export interface PollerOptions {
  readonly pollEveryMs: number;
  readonly checkEveryMs: number;
  /** The storage instance to use; the demo keeps a handle to break it on purpose. */
  readonly storage: Storage;
  readonly log: (line: string) => void;
}

/** Defines the poller actor. */
export function feedPoller(options: PollerOptions) {
  const buffer: string[] = [];
  return defineActor({
    name: 'feed-poller',
    resources: {
      storage: () => options.storage,
      feed: {
        acquire: () => new Feed(),
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
          options.log(`polled ${entries.length} entries, ${buffer.length} buffered`);
          return actor.health === 'healthy' ? next('processing') : next('polling');
        },
      },
      processing: {
        allowedIn: ['healthy'],
        retry: { maxRetries: 5, backoff: { initialMs: 50, maxMs: 1_000 } },
        run: async ({ resources, next }) => {
          const batch = buffer.slice();
          await resources.storage.write(batch);
          buffer.splice(0, batch.length);
          options.log(
            `stored ${batch.length} entries, ${resources.storage.items.length} in storage`,
          );
          return next('polling');
        },
      },
    },
    initialTask: 'polling',
    healthCheck: {
      intervalMs: options.checkEveryMs,
      check: async ({ resources }) => ((await resources.storage.ping()) ? 'healthy' : 'degraded'),
    },
  });
}
