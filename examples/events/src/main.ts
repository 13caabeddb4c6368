/**
 * Events and documents with `createApp`, in one process on the embedded memory:// broker
 * (or the broker in `$CELERIAC_BROKER_URL`): `app.on` declares the subscriptions, the
 * app's worker runs them, `app.publish` publishes. Run with `npm start -w
 * examples/events`. Exits non-zero if any subscriber ran a different number of times than
 * the story says.
 *
 * Publishers fan a message out to the subscriptions they know, so in a real deployment
 * the `app.on` calls live in the app module that publishers and workers both import.
 */
import { createApp } from 'celeriac';
import { silentLogger } from '@celeriac/worker';
import {
  orderCreated,
  orderFacts,
  orderTotals,
  postCreated,
  pushToFeed,
  sendEmail,
  sendSms,
  shopSubscriptions,
} from './contracts.js';

const loadFactsName = 'analytics.warehouse.load';
const say = (line: string) => console.log(`[events] ${line}`);
const runs = new Map<string, number>();
const ran = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
const followers: Record<string, string[]> = { ada: ['grace', 'linus', 'barbara'] };
const feeds = new Map<string, string[]>();

await using app = createApp();

// The shop's subscribers are task contracts shared with publishers (contracts.ts).
app.task(sendEmail, (_ctx, order) => {
  ran(sendEmail.name);
  return `email to ${order.email} for ${order.orderId}`;
});
app.task(sendSms, (_ctx, order) => {
  ran(sendSms.name);
  return `sms to ${order.phone} for ${order.orderId}`;
});
for (const subscription of shopSubscriptions) app.subscribe(subscription);

// A transformer on a pattern: every shop order event in, an analytics document out
// (`emit`, with the task's id as the document's id, so a redelivery republishes the same).
app.on(
  'shop.order.*',
  (_ctx, payload) => {
    ran('analytics.order.to_facts');
    // A pattern has no single schema: check what this transformer needs.
    const order = orderTotals.parse(payload);
    const day = new Date().toISOString().slice(0, 10);
    return { orderId: order.orderId, revenue: order.total, items: order.items, day };
  },
  { queue: 'analytics', task: 'analytics.order.to_facts', emit: orderFacts },
);
// The document's subscriber: typed and checked by the document's schema.
app.on(
  orderFacts,
  (_ctx, facts) => {
    ran(loadFactsName);
    say(`warehouse loaded ${JSON.stringify(facts)}`);
  },
  { queue: 'warehouse', task: loadFactsName },
);

// The social network: one post → one feed-cache task per follower.
const push = app.task(pushToFeed, (_ctx, follower, postId) => {
  ran(pushToFeed.name);
  feeds.set(follower, [...(feeds.get(follower) ?? []), postId]);
});
app.on(
  postCreated,
  async (_ctx, post) => {
    ran('social.feed.fan_out');
    const audience = followers[post.author] ?? [];
    await Promise.all(audience.map((f) => push.delay(f, post.postId)));
    return audience.length;
  },
  { queue: 'feeds', task: 'social.feed.fan_out' },
);

// Consumes `celery` and every subscription queue whose task the app runs.
const worker = await app.worker({ logger: silentLogger });
await worker.start();
say(
  `subscriptions: ${app.subscriptions.map((s) => `${s.pattern} → ${s.task}@${s.queue}`).join(', ')}`,
);

// 1. The shop: one order.created → an email, an SMS, and an analytics document.
const order = {
  orderId: 'A-1001',
  email: 'ada@example.com',
  phone: '+33600000000',
  total: 59.9,
  items: 3,
};
const created = await app.publish(orderCreated, order);
say(
  `${created.name} ${created.id} → ${created.tasks.map((t) => `${t.task}@${t.queue}`).join(', ')}`,
);
for (const task of created.tasks)
  say(`  ${task.task}: ${JSON.stringify(await task.result.get({ timeoutMs: 5000 }))}`);

// 2. A double click: two publishes with one dedupKey → one fan-out; both see its id.
const [first, second] = await Promise.all([
  app.publish(orderCreated, { ...order, orderId: 'A-1002' }, { dedupKey: 'checkout:A-1002' }),
  app.publish(orderCreated, { ...order, orderId: 'A-1002' }, { dedupKey: 'checkout:A-1002' }),
]);
say(
  `double click: ids ${first.id === second.id ? 'equal' : 'DIFFER'}, duplicate: ${[first.duplicate, second.duplicate].join('/')}`,
);
await Promise.all(first.tasks.map((t) => t.result.get({ timeoutMs: 5000 })));

// 3. A bad payload is refused before anything is sent.
try {
  await app.publish(orderCreated, { ...order, total: -1 });
  throw new Error('a negative total should have been refused');
} catch (error) {
  say(`refused: ${(error as Error).message}`);
}

// 4. The social network: post.created → one feed-cache task per follower.
const posted = await app.publish(postCreated, { postId: 'p-42', author: 'ada', text: 'hello' });
say(
  `${posted.name}: fanned out to ${String(await posted.tasks[0]!.result.get({ timeoutMs: 5000 }))} followers`,
);

// Let the follow-ups (the warehouse loads, the feed pushes) finish.
const deadline = Date.now() + 5000;
while (
  ((runs.get(loadFactsName) ?? 0) < 2 || (runs.get(pushToFeed.name) ?? 0) < 3) &&
  Date.now() < deadline
) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
say(`feeds: ${JSON.stringify(Object.fromEntries(feeds))}`);

const expected: Record<string, number> = {
  [sendEmail.name]: 2,
  [sendSms.name]: 2,
  'analytics.order.to_facts': 2,
  [loadFactsName]: 2,
  'social.feed.fan_out': 1,
  [pushToFeed.name]: 3,
};
const wrong = Object.entries(expected).filter(([name, count]) => runs.get(name) !== count);
if (wrong.length > 0) {
  for (const [name, count] of wrong)
    say(`MISMATCH ${name}: ran ${runs.get(name) ?? 0}, expected ${count}`);
  process.exitCode = 1;
} else {
  say('done: every subscriber ran exactly as often as the story says');
}
