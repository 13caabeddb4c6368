/**
 * Issue 20 on memory://, with a real celeriac worker running the subscribers' tasks:
 *
 * - one `order.created` event, three subscriptions (two on the event, one on the pattern
 *   `order.*`) and two that do not match → three tasks, each run once, each seeing the
 *   event id; `order.paid` reaches only the pattern;
 * - a payload that fails the event's schema, or a subscriber's `args` schema, is refused
 *   at publish and nothing is sent;
 * - 100 concurrent sends with one `dedupKey` from 4 clients → the handler runs once and
 *   every caller gets its result; the same for 20 concurrent publishes of one event; the
 *   retries of a deduplicated task run (a retry is not a duplicate); a caller that joined
 *   a send which then failed gets the failure, and the next caller sends;
 * - a dedup key over the bound, or a client whose backend keeps no dedup records, is
 *   refused with one line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import {
  MAX_DEDUP_KEY_LENGTH,
  MESSAGE_HEADER,
  ValidationError,
  RemoteTaskError,
  defineEvent,
  defineSubscriberTask,
  defineSubscription,
  defineTask,
  readMessageHeader,
  subscriptionTaskId,
  type MessageHeader,
} from '@celeriac/protocol';
import {
  DedupUnsupportedError,
  beforeTaskPublish,
  createClient,
  type Client,
} from '@celeriac/client';
import {
  createWorker,
  implementTask,
  silentLogger,
  type TaskImplementation,
} from '@celeriac/worker';

const orderCreated = defineEvent(
  'order.created',
  z.object({ orderId: z.string(), total: z.number(), phone: z.string().optional() }),
);
const orderPaid = defineEvent('order.paid', z.object({ orderId: z.string() }));
const sendSms = defineTask('shop.sms.order_confirmation', {
  // The SMS subscriber needs a phone number: its own schema, checked at publish too.
  args: z.tuple([z.object({ orderId: z.string(), phone: z.string() })]),
});

interface Call {
  task: string;
  payload: unknown;
  header: MessageHeader | undefined;
  id: string;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function setup(tasks: TaskImplementation[], queues: string[]) {
  const broker = new MemoryBroker({ name: `events-${Math.random()}` });
  const store = new MemoryResultStore();
  const workerTransport = new MemoryTransport({ broker });
  const worker = createWorker({
    transport: workerTransport,
    backend: new MemoryResultBackend({ store }),
    tasks,
    queues,
    concurrency: 8,
    logger: silentLogger,
    control: false,
  });
  await worker.start();
  const clients: Client[] = [];
  const makeClient = (
    options: Parameters<typeof createClient>[0] extends infer O ? Partial<O> : never,
  ) => {
    const client = createClient({
      transport: new MemoryTransport({ broker }),
      backend: new MemoryResultBackend({ store }),
      ownTransport: true,
      ownBackend: true,
      ...options,
    });
    clients.push(client);
    return client;
  };
  stops.push(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await worker.stop();
    await workerTransport.close();
  });
  return { broker, workerTransport, makeClient };
}

describe('events on memory://', () => {
  it('fans one event out to three subscriptions (one a pattern): three tasks, each once', async () => {
    const calls: Call[] = [];
    const record = (task: string) =>
      implementTask(task, (ctx, payload: unknown) => {
        calls.push({ task, payload, header: readMessageHeader(ctx.headers), id: ctx.taskId });
        return `${task} done`;
      });
    const names = [
      'shop.email.order_confirmation',
      'shop.sms.order_confirmation',
      'shop.analytics.record',
      'shop.payments.audit',
    ];
    const queues = ['email', 'sms', 'analytics', 'audit'];
    const { workerTransport, makeClient } = await setup(names.map(record), queues);
    const client = makeClient({
      subscriptions: [
        defineSubscription(orderCreated, 'shop.email.order_confirmation', { queue: 'email' }),
        defineSubscription(orderCreated, sendSms, { queue: 'sms' }),
        defineSubscription('order.*', 'shop.analytics.record', { queue: 'analytics' }),
        defineSubscription('payment.#', 'shop.payments.audit', { queue: 'audit' }),
      ],
    });
    // A pattern that matches nothing is allowed, and listed.
    client.subscribe(defineSubscription('nothing.#', 'shop.payments.audit', { name: 'idle' }));
    expect(client.subscriptions.map((s) => `${s.pattern} → ${s.task}`)).toContain(
      'nothing.# → shop.payments.audit',
    );

    const payload = { orderId: 'A-1001', total: 59.9, phone: '+33600000000' };
    const published = await client.publish(orderCreated, payload);
    expect(published).toMatchObject({ kind: 'event', name: 'order.created', duplicate: false });
    expect(published.tasks.map((t) => t.task)).toEqual(names.slice(0, 3));
    const results = await Promise.all(
      published.tasks.map((t) => t.result.get({ timeoutMs: 5000 })),
    );
    expect(results).toEqual(names.slice(0, 3).map((n) => `${n} done`));

    // Nothing more arrives: each subscription ran exactly once, nothing else ran.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const queue of queues) expect(await workerTransport.queueLength(queue)).toBe(0);
    expect(calls.map((c) => c.task).sort()).toEqual(names.slice(0, 3).sort());
    for (const call of calls) {
      expect(call.payload).toEqual(payload);
      expect(call.header).toMatchObject({ kind: 'event', id: published.id, name: 'order.created' });
      expect(call.id).toBe(subscriptionTaskId(published.id, call.header!.subscription));
    }

    const paid = await client.publish(orderPaid, { orderId: 'A-1001' });
    expect(paid.tasks.map((t) => t.queue)).toEqual(['analytics']);
    await paid.tasks[0]!.result.get({ timeoutMs: 5000 });
    expect(calls.filter((c) => c.task === 'shop.analytics.record')).toHaveLength(2);
  });

  it('refuses a payload that fails the event schema or a subscriber schema, sending nothing', async () => {
    const { workerTransport, makeClient } = await setup([], ['unused']);
    const client = makeClient({
      subscriptions: [
        defineSubscription(orderCreated, 'shop.email.order_confirmation', { queue: 'email' }),
        defineSubscription(orderCreated, sendSms, { queue: 'sms' }),
      ],
    });
    const bad = client.publish(orderCreated, { orderId: 'A-1', total: 'lots' } as never);
    await expect(bad).rejects.toThrow(ValidationError);
    await expect(bad).rejects.toThrow(
      /^Invalid payload of event order.created: payload.total: expected number, received string$/,
    );
    // Valid for the event, but the SMS subscriber needs a phone.
    await expect(client.publish(orderCreated, { orderId: 'A-2', total: 1 })).rejects.toThrow(
      /Invalid arguments for task shop.sms.order_confirmation: args\[0\].phone/,
    );
    expect(await workerTransport.queueLength('email')).toBe(0);
    expect(await workerTransport.queueLength('sms')).toBe(0);
    expect(() => defineSubscription('order.*x', 'a.b')).toThrow(/bad word "\*x"/);
    expect(() => defineEvent('order.*', z.object({}))).toThrow(/no \* or # in a name/);
  });
});

describe('a subscriber task validates on receipt', () => {
  it('records a raw payload that fails the event schema as the task failure, with the reason', async () => {
    const email = defineSubscriberTask('shop.email.order_confirmation', orderCreated);
    const sent: string[] = [];
    const { makeClient } = await setup(
      [implementTask(email, (_ctx, order) => sent.push(order.orderId))],
      ['email'],
    );
    const client = makeClient({
      subscriptions: [defineSubscription(orderCreated, email, { queue: 'email' })],
    });
    const ok = await client.publish(orderCreated, { orderId: 'A-1', total: 1 });
    await ok.tasks[0]!.result.get({ timeoutMs: 5000 });
    // A publisher that knows neither contract (a bridge, another app): nothing is checked
    // before sending, so the subscriber's worker refuses it.
    const blind = makeClient({
      subscriptions: [defineSubscription('order.created', email.name, { queue: 'email' })],
    });
    const raw = await blind.publish('order.created', { orderId: 'A-2', total: 'lots' });
    const failure = await raw.tasks[0]!.result.get({ timeoutMs: 5000, propagate: false });
    expect(failure).toBeInstanceOf(RemoteTaskError);
    expect((failure as RemoteTaskError).message).toMatch(
      /Invalid arguments for task shop\.email\.order_confirmation: args\[0\]\.total: expected number, received string/,
    );
    expect(sent).toEqual(['A-1']);
  });
});

describe('deduplicated sends on memory://', () => {
  it('runs the handler once for 100 concurrent sends with one key from 4 clients; all get its result', async () => {
    let runs = 0;
    const charge = implementTask('shop.charge', async (_ctx, order: string) => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { order, charged: true, run: runs };
    });
    const { makeClient } = await setup([charge], ['celery']);
    const clients = Array.from({ length: 4 }, () => makeClient({}));
    const sends = Array.from({ length: 100 }, (_, i) =>
      clients[i % 4]!.sendTask('shop.charge', ['A-1001'], {}, { dedupKey: 'order:A-1001:charge' }),
    );
    const handles = await Promise.all(sends);
    expect(new Set(handles.map((h) => h.id)).size).toBe(1);
    const results = await Promise.all(handles.map((h) => h.get({ timeoutMs: 5000 })));
    expect(results).toEqual(Array(100).fill({ order: 'A-1001', charged: true, run: 1 }));
    expect(runs).toBe(1);

    // Another key is another task; no key is no dedup.
    const other = await clients[0]!.sendTask(
      'shop.charge',
      ['A-1002'],
      {},
      { dedupKey: 'order:A-1002:charge' },
    );
    const plain = await clients[1]!.sendTask('shop.charge', ['A-1001']);
    await Promise.all([other.get({ timeoutMs: 5000 }), plain.get({ timeoutMs: 5000 })]);
    expect(runs).toBe(3);
  });

  it('runs the retries of a deduplicated task: a retry is not a duplicate', async () => {
    const attempts: number[] = [];
    const flaky = implementTask('shop.flaky', (ctx, order: string) => {
      attempts.push(ctx.retries);
      if (ctx.retries < 2) ctx.retry({ countdown: 0 });
      return `${order} after ${ctx.retries} retries`;
    });
    const { makeClient } = await setup([flaky], ['celery']);
    const client = makeClient({});
    const first = await client.sendTask('shop.flaky', ['A-7'], {}, { dedupKey: 'flaky:A-7' });
    expect(await first.get({ timeoutMs: 5000 })).toBe('A-7 after 2 retries');
    expect(attempts).toEqual([0, 1, 2]);
    // The key still holds after the retries: a later send joins the first.
    const again = await client.sendTask('shop.flaky', ['A-7'], {}, { dedupKey: 'flaky:A-7' });
    expect(again.id).toBe(first.id);
    expect(await again.get({ timeoutMs: 5000 })).toBe('A-7 after 2 retries');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('publishes an event once for 20 concurrent publishes with one key', async () => {
    const seen: string[] = [];
    const tasks = ['shop.email.order_confirmation', 'shop.analytics.record'].map((name) =>
      implementTask(name, (ctx) => {
        seen.push(`${name} ${String((ctx.headers[MESSAGE_HEADER] as MessageHeader).id)}`);
        return name;
      }),
    );
    const { makeClient } = await setup(tasks, ['email', 'analytics']);
    const subscriptions = [
      defineSubscription(orderCreated, 'shop.email.order_confirmation', { queue: 'email' }),
      defineSubscription('order.#', 'shop.analytics.record', { queue: 'analytics' }),
    ];
    const clients = Array.from({ length: 4 }, () => makeClient({ subscriptions }));
    const published = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        clients[i % 4]!.publish(
          orderCreated,
          { orderId: 'B-7', total: 3 },
          { dedupKey: 'checkout:B-7' },
        ),
      ),
    );
    const ids = new Set(published.map((p) => p.id));
    expect(ids.size).toBe(1);
    expect(published.filter((p) => !p.duplicate)).toHaveLength(1);
    for (const p of published) {
      expect(await Promise.all(p.tasks.map((t) => t.result.get({ timeoutMs: 5000 })))).toEqual([
        'shop.email.order_confirmation',
        'shop.analytics.record',
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.sort()).toEqual([
      `shop.analytics.record ${[...ids][0]}`,
      `shop.email.order_confirmation ${[...ids][0]}`,
    ]);
  });

  it('tells the callers that joined a send which then failed why, and lets the next caller send', async () => {
    let runs = 0;
    const charge = implementTask('shop.charge', (_ctx, order: string) => `${order} #${++runs}`);
    const { makeClient } = await setup([charge], ['celery']);
    const [first, second] = [makeClient({}), makeClient({})];
    // The first send stalls after its claim, then fails to encode (a BigInt header).
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let stalled = false;
    const disconnect = beforeTaskPublish.connect(async ({ message }) => {
      if (stalled) return;
      stalled = true;
      await gate;
      message.headers.extraHeaders = { bad: 10n };
    });
    stops.push(async () => disconnect());
    const failing = first.sendTask('shop.charge', ['A-9'], {}, { dedupKey: 'charge:A-9' });
    while (!stalled) await new Promise((resolve) => setTimeout(resolve, 5));
    const joined = await second.sendTask('shop.charge', ['A-9'], {}, { dedupKey: 'charge:A-9' });
    open();
    await expect(failing).rejects.toThrow();
    const outcome = await joined.get({ timeoutMs: 5000, propagate: false });
    expect(outcome).toBeInstanceOf(RemoteTaskError);
    expect((outcome as RemoteTaskError).message).toMatch(
      /the send holding dedupKey "charge:A-9" failed: /,
    );
    // The key was given back: the next send is sent, and runs.
    const next = await second.sendTask('shop.charge', ['A-9'], {}, { dedupKey: 'charge:A-9' });
    expect(next.id).not.toBe(joined.id);
    expect(await next.get({ timeoutMs: 5000 })).toBe('A-9 #1');
  });

  it('refuses a key over the bound, and a backend without dedup records, with one line', async () => {
    const { makeClient } = await setup([], ['unused']);
    const client = makeClient({});
    await expect(
      client.sendTask('shop.charge', [], {}, { dedupKey: 'k'.repeat(MAX_DEDUP_KEY_LENGTH + 1) }),
    ).rejects.toThrow(/^Invalid dedupKey: dedupKey: 513 characters, at most 512$/);
    const bare = createClient({ transport: new MemoryTransport({ broker: new MemoryBroker() }) });
    await expect(bare.sendTask('shop.charge', [], {}, { dedupKey: 'x' })).rejects.toThrow(
      DedupUnsupportedError,
    );
    await bare.close();
  });
});
