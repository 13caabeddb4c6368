/**
 * The shop story: an order placed (`shop.place_order`, which replaces itself with the
 * workflow) sends its confirmation email and SMS at once (a chord header of two I/O-bound
 * tasks calling a fake provider), then marks the order confirmed (the chord body).
 * - A-1001: both go out; the order is confirmed.
 * - A-1002: the provider refuses the phone (422): the chord fails at once with
 *   ChordError and the body's errback pages the on-call.
 * - A-1003: the provider is down (503): each notification is retried, then reported
 *   undelivered; the body replaces the rest of the workflow with the alert task, whose
 *   escalation is what waiting on the order gets.
 * Run with `npm start -w examples/shop` (add `-- --broker …` for a real broker).
 */
import { RemoteTaskError } from 'celeriac';
import { app, placeOrderTask, SHOP_QUEUE } from './app.js';
import { startFakeProvider } from './provider.js';

const say = (line: string) => console.log(`[shop] ${line}`);
const BAD_PHONE = '+33 6 00 00 00 02';
const T = { timeoutMs: 15_000 };

await using provider = await startFakeProvider({
  rejectedPhones: [BAD_PHONE],
  outageOrders: ['A-1003'],
});
say(
  `broker ${app.brokerUrl}, results ${app.backendUrl}, queue ${SHOP_QUEUE}, provider ${provider.url}`,
);
const worker = await app.worker({ concurrency: 8, queues: [SHOP_QUEUE], control: false });
await worker.start();

/** Place an order: one task, replaced by the notify-then-confirm chord. */
function placeOrder(orderId: string, address: string, phone: string) {
  say(`order ${orderId} placed`);
  return placeOrderTask.delay(provider.url, orderId, address, phone);
}

// 1. Both notifications go out, then the order is confirmed.
const first = await (await placeOrder('A-1001', 'ada@example.com', '+33 6 00 00 00 01')).get(T);
if (first.status !== 'confirmed') throw new Error(`order A-1001 ${first.status}: ${first.cause}`);
const channels = provider.delivered
  .filter((d) => d.body['order'] === 'A-1001')
  .map((d) => d.channel)
  .sort();
say(`order A-1001 notified by ${channels.join(' and ')}`);
say(`order ${first.orderId} ${first.status} (${first.receipts} receipts)`);

// 2. The SMS provider refuses the second order's phone: the chord fails at once.
const second = await placeOrder('A-1002', 'bob@example.com', BAD_PHONE);
try {
  await second.get(T);
  throw new Error('order A-1002 should not have been confirmed');
} catch (error) {
  if (!(error instanceof RemoteTaskError)) throw error;
  say(`order A-1002 not confirmed: ${error.excType}: ${String(error.excMessage[0])}`);
}
const page = await provider.waitFor('pager', (b) => b['order'] === 'A-1002', T.timeoutMs);
say(`alert_ops paged on-call about order ${page.body['order']}`);

// 3. The provider is down for the third order: retried, undelivered, escalated.
const third = await (await placeOrder('A-1003', 'cy@example.com', '+33 6 00 00 00 03')).get(T);
if (third.status !== 'escalated') throw new Error('order A-1003 should have been escalated');
const tries = ['email', 'sms'].map((channel) => {
  const calls = provider.received.filter(
    (r) => r.channel === channel && r.body['order'] === 'A-1003',
  );
  return `${channel} ${calls.map((r) => r.status).join(', ')}`;
});
say(`order A-1003 provider down: ${tries.join('; ')}`);
say(`order ${third.orderId} ${third.status}: ${third.cause}`);
const pages = provider.delivered.filter(
  (d) => d.channel === 'pager' && d.body['order'] === 'A-1003',
);
say(`alert_ops paged on-call about order A-1003 (${pages.length} page)`);

await worker.stop();
await app.close();
say('done');
