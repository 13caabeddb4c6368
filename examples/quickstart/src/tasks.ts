/**
 * Task contracts: names and zod schemas shared by whoever sends a task and whoever runs
 * it. A Python client can send the same tasks by name.
 */
import { z } from 'zod';
import { defineTask } from 'celeriac';

export const add = defineTask('quickstart.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});

/** Fails with a retryable error twice, then succeeds. */
export const flakyFetch = defineTask('quickstart.flaky_fetch', {
  args: z.tuple([z.string()]),
  result: z.object({ url: z.string(), attempts: z.number() }),
});

/** Always fails: shows a failure with its remote traceback. */
export const chargeCard = defineTask('quickstart.charge_card', {
  args: z.tuple([z.string(), z.number()]),
  result: z.string(),
});

/** Reports progress through a custom PROGRESS state. */
export const resizeImages = defineTask('quickstart.resize_images', {
  args: z.tuple([z.number().int().positive()]),
  result: z.object({ resized: z.number() }),
});
