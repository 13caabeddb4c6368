/**
 * Events and documents in one process on the embedded memory:// broker: a worker runs
 * the subscribers, a client publishes. Run with `npm start -w examples/events`. Exits
 * non-zero if any subscriber ran a different number of times than the story says.
 */
import { createClient } from '@celeriac/client';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import {
  fanOutToFollowers,
  loadFacts,
  orderCreated,
  orderFacts,
  postCreated,
  pushToFeed,
  sendEmail,
  sendSms,
  subscriptions,
  toOrderFacts,
} from './contracts.js';

const say = (line: string) => console.log(`[events] ${line}`);
const broker = new MemoryBroker({ name: 'events-example' });
const store = new MemoryResultStore();
const connect = () => ({
  transport: new MemoryTransport({ broker }),
  backend: new MemoryResultBackend({ store }),
  ownTransport: true,
  ownBackend: true,
});

// The client the subscribers publish and send with (a transformer's output, a fan-out).
const inner = createClient({ ...connect(), subscriptions });
const runs = new Map<string, number>();
const ran = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
const followers: Record<string, string[]> = { ada: ['grace', 'linus', 'barbara'] };
const feeds = new Map<string, string[]>();

const tasks = [
  implementTask(sendEmail, (_ctx, order) => {
    ran(sendEmail.name);
    return `email to ${order.email} for ${order.orderId}`;
  }),
  implementTask(sendSms, (_ctx, order) => {
    ran(sendSms.name);
    return `sms to ${order.phone} for ${order.orderId}`;
  }),
  implementTask(toOrderFacts, async (ctx, order) => {
    ran(toOrderFacts.name);
    // The transformer's output is a document, published to its own subscribers.
    const day = new Date().toISOString().slice(0, 10);
    const facts = { orderId: order.orderId, revenue: order.total, items: order.items, day };
    const published = await inner.publish(orderFacts, facts, {
      // Its own id derives from the event's, so a redelivered event republishes the same.
      messageId: ctx.taskId,
    });
    return published.id;
  }),
  implementTask(loadFacts, (_ctx, facts) => {
    ran(loadFacts.name);
    say(`warehouse loaded ${JSON.stringify(facts)}`);
  }),
  implementTask(fanOutToFollowers, async (_ctx, post) => {
    ran(fanOutToFollowers.name);
    const audience = followers[post.author] ?? [];
    const pushes = audience.map((f) => inner.task(pushToFeed).delay(f, post.postId));
    await Promise.all(pushes);
    return audience.length;
  }),
  implementTask(pushToFeed, (_ctx, follower, postId) => {
    ran(pushToFeed.name);
    feeds.set(follower, [...(feeds.get(follower) ?? []), postId]);
  }),
];

const { transport, backend } = connect();
const worker = createWorker({
  transport,
  backend,
  tasks,
  queues: ['email', 'sms', 'analytics', 'warehouse', 'feeds', 'celery'],
  defaultQueue: 'celery',
  logger: silentLogger,
  ownTransport: true,
  ownBackend: true,
});
await worker.start();
const client = createClient({ ...connect(), subscriptions });

// 1. The shop: one order.created → an email, an SMS, and an analytics document.
const order = {
  orderId: 'A-1001',
  email: 'ada@example.com',
  phone: '+33600000000',
  total: 59.9,
  items: 3,
};
const created = await client.publish(orderCreated, order);
say(
  `${created.name} ${created.id} → ${created.tasks.map((t) => `${t.task}@${t.queue}`).join(', ')}`,
);
for (const task of created.tasks)
  say(`  ${task.task}: ${String(await task.result.get({ timeoutMs: 5000 }))}`);

// 2. A double click: two publishes with one dedupKey → one fan-out; both see its id.
const [first, second] = await Promise.all([
  client.publish(orderCreated, { ...order, orderId: 'A-1002' }, { dedupKey: 'checkout:A-1002' }),
  client.publish(orderCreated, { ...order, orderId: 'A-1002' }, { dedupKey: 'checkout:A-1002' }),
]);
say(
  `double click: ids ${first.id === second.id ? 'equal' : 'DIFFER'}, duplicate: ${[first.duplicate, second.duplicate].join('/')}`,
);
await Promise.all(first.tasks.map((t) => t.result.get({ timeoutMs: 5000 })));

// 3. A bad payload is refused before anything is sent.
try {
  await client.publish(orderCreated, { ...order, total: -1 });
  throw new Error('a negative total should have been refused');
} catch (error) {
  say(`refused: ${(error as Error).message}`);
}

// 4. The social network: post.created → one feed-cache task per follower.
const posted = await client.publish(postCreated, { postId: 'p-42', author: 'ada', text: 'hello' });
say(
  `${posted.name}: fanned out to ${String(await posted.tasks[0]!.result.get({ timeoutMs: 5000 }))} followers`,
);

// Let the follow-ups (the warehouse loads, the feed pushes) finish.
const deadline = Date.now() + 5000;
while (
  ((runs.get(loadFacts.name) ?? 0) < 2 || (runs.get(pushToFeed.name) ?? 0) < 3) &&
  Date.now() < deadline
) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
say(`feeds: ${JSON.stringify(Object.fromEntries(feeds))}`);

const expected: Record<string, number> = {
  [sendEmail.name]: 2,
  [sendSms.name]: 2,
  [toOrderFacts.name]: 2,
  [loadFacts.name]: 2,
  [fanOutToFollowers.name]: 1,
  [pushToFeed.name]: 3,
};
const wrong = Object.entries(expected).filter(([name, count]) => runs.get(name) !== count);
await client.close();
await inner.close();
await worker.stop();
if (wrong.length > 0) {
  for (const [name, count] of wrong)
    say(`MISMATCH ${name}: ran ${runs.get(name) ?? 0}, expected ${count}`);
  process.exitCode = 1;
} else {
  say('done: every subscriber ran exactly as often as the story says');
}
