/**
 * The app: broker and backend URLs plus the task implementations. `memory://` runs
 * everything in this process; pass `--broker redis://127.0.0.1:6379/0` (or
 * `amqp://guest:guest@127.0.0.1:5672//`) to run the same story on a real broker.
 */
import { createApp } from 'celeriac';
import { add, chargeCard, flakyFetch, resizeImages } from './tasks.js';

const brokerFlag = process.argv.indexOf('--broker');
const broker = brokerFlag > 0 ? process.argv[brokerFlag + 1] : undefined;

export const app = createApp(broker ? { broker } : {});

export const addTask = app.task(add, (_ctx, a, b) => a + b);

class UpstreamUnavailable extends Error {
  override name = 'UpstreamUnavailable';
}

export const flakyFetchTask = app.task(
  flakyFetch,
  (ctx, url) => {
    if (ctx.retries < 2) {
      ctx.log.info(`upstream busy, retry ${ctx.retries + 1} in 0.2 s`);
      return ctx.retry({ countdown: 0.2, exc: new UpstreamUnavailable(`${url} answered 503`) });
    }
    return { url, attempts: ctx.retries + 1 };
  },
  { maxRetries: 5 },
);

class CardDeclined extends Error {
  override name = 'CardDeclined';
}

export const chargeCardTask = app.task(chargeCard, (_ctx, card, amount) => {
  throw new CardDeclined(`card ${card} declined for ${amount.toFixed(2)} EUR`);
});

export const resizeImagesTask = app.task(resizeImages, async (ctx, count) => {
  for (let done = 1; done <= count; done++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ctx.updateState('PROGRESS', { done, total: count });
  }
  return { resized: count };
});

export default app;
