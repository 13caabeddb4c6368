/**
 * The shop's app: broker and backend URLs plus the task implementations. `memory://`
 * runs everything in this process; `--broker redis://127.0.0.1:6379/0`, or
 * `--broker amqp://guest:guest@127.0.0.1:5672// --backend redis://127.0.0.1:6379/0`
 * (a chord needs a backend that counts its parts: not `rpc://`), runs the same story on
 * a real broker.
 */
import { chord, createApp, group, linkError } from 'celeriac';
import { alertOps, markConfirmed, placeOrder, sendEmail, sendSms, type Receipt } from './tasks.js';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

const broker = flag('--broker');
const backend = flag('--backend');

/** The queue the shop's tasks and their follow-ups use. */
export const SHOP_QUEUE = 'shop';

export const app = createApp({
  ...(broker ? { broker } : {}),
  ...(backend ? { backend } : {}),
  defaultQueue: SHOP_QUEUE,
});

/** The provider answered with an error status. */
export class ProviderError extends Error {
  override name = 'ProviderError';
}

/** POST `body` to the provider's `channel`, cancelled with the task (`ctx.signal`). */
async function post(
  url: string,
  channel: string,
  body: Record<string, string>,
  signal: AbortSignal,
): Promise<Receipt> {
  const response = await fetch(`${url}/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const answer = (await response.json()) as Record<string, string>;
  if (!response.ok) {
    throw new ProviderError(`${channel} provider answered ${response.status}: ${answer['error']}`);
  }
  return { channel, messageId: String(answer['messageId']) };
}

export const sendEmailTask = app.task(sendEmail, (ctx, url, order, to) =>
  post(url, 'email', { order, to }, ctx.signal),
);

export const sendSmsTask = app.task(sendSms, (ctx, url, order, to) =>
  post(url, 'sms', { order, to }, ctx.signal),
);

export const markConfirmedTask = app.task(markConfirmed, (_ctx, receipts, orderId) => ({
  orderId,
  status: 'confirmed' as const,
  receipts: receipts.length,
}));

export const alertOpsTask = app.task(alertOps, async (ctx, failedTaskId, url, orderId) => {
  await post(url, 'pager', { order: orderId, failed: failedTaskId }, ctx.signal);
  return `paged on-call about ${orderId}`;
});

/**
 * The order workflow, started by one task: it replaces itself (`ctx.replace`, Celery's
 * `Task.replace`) with the chord — email and SMS in parallel, then mark_confirmed, whose
 * errback alerts the on-call — so waiting on `place_order`'s id gets the confirmation.
 */
export const placeOrderTask = app.task(placeOrder, async (ctx, url, orderId, address, phone) => {
  const client = await app.client();
  const [email, sms] = [client.task(sendEmail), client.task(sendSms)];
  const [confirm, alert] = [client.task(markConfirmed), client.task(alertOps)];
  ctx.log.info(`order ${orderId}: notifying by email and SMS`);
  return ctx.replace(
    chord(
      group(email.si(url, orderId, address), sms.si(url, orderId, phone)),
      linkError(confirm.s(orderId), alert.s(url, orderId)),
    ),
  );
});

export default app;
