/**
 * The shop's app: broker and backend URLs plus the task implementations. `memory://`
 * runs everything in this process; `--broker redis://127.0.0.1:6379/0`, or
 * `--broker amqp://guest:guest@127.0.0.1:5672// --backend redis://127.0.0.1:6379/0`
 * (a chord needs a backend that counts its parts: not `rpc://`), runs the same story on
 * a real broker. `--queue <name>` names the queue; by default each run has its own.
 */
import { randomUUID } from 'node:crypto';
import {
  BrokerScheme,
  brokerScheme,
  chord,
  createApp,
  group,
  linkError,
  type AppOptions,
  type TaskContext,
} from 'celeriac';
import { alertOps, markConfirmed, placeOrder, sendEmail, sendSms, type Receipt } from './tasks.js';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

const broker = flag('--broker') ?? process.env['CELERIAC_BROKER_URL'] ?? 'memory://';
const backend = flag('--backend');

/**
 * The queue the shop's tasks and their follow-ups use: a fresh one per run unless
 * `--queue` names one, so runs sharing a broker never take each other's tasks.
 */
export const SHOP_QUEUE = flag('--queue') ?? `shop.${randomUUID().slice(0, 8)}`;

/**
 * Nothing of a run outlives it for long: RabbitMQ deletes the queue a minute after its
 * last consumer left (`x-expires`; not auto-delete, which would drop it, retries
 * included, when a connection blips); Redis has no queue expiry, so its transports
 * delete the queue and its binding when they close. Results expire after an hour.
 */
const shopQueue: NonNullable<AppOptions['queues']>[number] = {
  name: SHOP_QUEUE,
  exchange: 'shop',
  routingKey: SHOP_QUEUE,
  durable: false,
  expiresMs: 60_000,
  ...(brokerScheme(broker) === BrokerScheme.redis ? { autoDelete: true } : {}),
};

export const app = createApp({
  broker,
  ...(backend ? { backend } : {}),
  defaultQueue: SHOP_QUEUE,
  queues: [shopQueue],
  redisBackend: { resultExpires: 3600 },
});

/** The provider answered with an error status: a 5xx is worth retrying, a 4xx is not. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }

  /** An outage rather than a refusal. */
  get transient(): boolean {
    return this.status >= 500;
  }
}

type Delivered = Extract<Receipt, { delivered: true }>;

/** POST `body` to the provider's `channel`, cancelled with the task (`ctx.signal`). */
async function post(
  url: string,
  channel: string,
  body: Record<string, string>,
  signal: AbortSignal,
): Promise<Delivered> {
  const response = await fetch(`${url}/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const answer = (await response.json()) as Record<string, string>;
  if (!response.ok) {
    throw new ProviderError(
      response.status,
      `${channel} provider answered ${response.status}: ${answer['error']}`,
    );
  }
  return { channel, delivered: true, messageId: String(answer['messageId']) };
}

/** Retries of a notification the provider answered with a 5xx, and their delay (s). */
const NOTIFY_RETRIES = 2;
const RETRY_COUNTDOWN_S = 0.2;

/**
 * Send one notification. A 5xx is retried (`ctx.retry`: the same task, later); once the
 * retries are used up the task returns an undelivered receipt rather than failing, so
 * the chord still runs its body, which decides. A 4xx fails the task, and the chord.
 */
async function notify(
  ctx: Pick<TaskContext, 'retries' | 'retry' | 'signal'>,
  url: string,
  channel: string,
  body: Record<string, string>,
): Promise<Receipt> {
  try {
    return await post(url, channel, body, ctx.signal);
  } catch (error) {
    if (!(error instanceof ProviderError) || !error.transient) throw error;
    if (ctx.retries < NOTIFY_RETRIES) {
      return ctx.retry({ countdown: RETRY_COUNTDOWN_S, exc: error, maxRetries: NOTIFY_RETRIES });
    }
    return { channel, delivered: false, status: error.status, attempts: ctx.retries + 1 };
  }
}

export const sendEmailTask = app.task(sendEmail, (ctx, url, order, to) =>
  notify(ctx, url, 'email', { order, to }),
);

export const sendSmsTask = app.task(sendSms, (ctx, url, order, to) =>
  notify(ctx, url, 'sms', { order, to }),
);

/**
 * The chord body. When not one notification went out, the customer cannot be told:
 * the rest of the workflow becomes the alert task (`ctx.replace`), which takes this
 * task's id — and so `place_order`'s — and whose escalation is the order's outcome.
 */
export const markConfirmedTask = app.task(markConfirmed, async (ctx, receipts, url, orderId) => {
  const delivered = receipts.filter((r) => r.delivered);
  if (delivered.length > 0) {
    return { orderId, status: 'confirmed' as const, receipts: delivered.length };
  }
  const undelivered = receipts.filter((r) => !r.delivered);
  const cause = `no notification delivered: ${undelivered
    .map((r) => `${r.channel} ${r.status} (${r.attempts} attempts)`)
    .join(', ')}`;
  ctx.log.warn(`order ${orderId}: ${cause}; escalating`);
  const alert = (await app.client()).task(alertOps);
  return ctx.replace(alert.si(cause, url, orderId));
});

/** Page the on-call, as the body's errback (the failed task's id) or in its place. */
export const alertOpsTask = app.task(alertOps, async (ctx, cause, url, orderId) => {
  const page = await post(url, 'pager', { order: orderId, cause }, ctx.signal);
  return { orderId, status: 'escalated' as const, cause, pageId: page.messageId };
});

/**
 * The order workflow, started by one task: it replaces itself (`ctx.replace`, Celery's
 * `Task.replace`) with the chord — email and SMS in parallel, then mark_confirmed, whose
 * errback alerts the on-call — so waiting on `place_order`'s id gets the order's outcome.
 */
export const placeOrderTask = app.task(placeOrder, async (ctx, url, orderId, address, phone) => {
  const client = await app.client();
  const [email, sms] = [client.task(sendEmail), client.task(sendSms)];
  const [confirm, alert] = [client.task(markConfirmed), client.task(alertOps)];
  ctx.log.info(`order ${orderId}: notifying by email and SMS`);
  return ctx.replace(
    chord(
      group(email.si(url, orderId, address), sms.si(url, orderId, phone)),
      linkError(confirm.s(url, orderId), alert.s(url, orderId)),
    ),
  );
});

export default app;
