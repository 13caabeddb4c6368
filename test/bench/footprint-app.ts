// The app of `npm run bench:footprint`, as a user writes one: a couple of typed tasks on
// a broker from the environment. The bench compiles it to JavaScript and runs it with the
// built CLI, so the figure is that of a deployed worker (no TypeScript loader in memory).
import { z } from 'zod';
import { createApp, defineTask } from 'celeriac';

const noop = defineTask('footprint.noop', { args: z.tuple([]), result: z.null() });
const add = defineTask('footprint.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});

const prefix = process.env['FOOTPRINT_PREFIX'] ?? '';

export const app = createApp({
  defaultQueue: process.env['FOOTPRINT_QUEUE'] ?? 'celery',
  redis: { globalKeyprefix: prefix },
  redisBackend: { keyPrefix: prefix },
});

app.task(noop, () => null, { ignoreResult: true });
app.task(add, (_ctx, a, b) => a + b);
