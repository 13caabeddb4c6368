/**
 * The shop story: an order placed (`shop.place_order`, which replaces itself with the
 * workflow) sends its confirmation email and SMS at once (a chord header of two I/O-bound
 * tasks calling a fake provider), then marks the order confirmed (the chord body). The
 * provider rejects every SMS of the second order: its chord fails at once with ChordError
 * and the body's errback pages the on-call.
 * Run with `npm start -w examples/shop` (add `-- --broker …` for a real broker).
 */
import { RemoteTaskError } from 'celeriac';
import { app, placeOrderTask, SHOP_QUEUE } from './app.js';
import { startFakeProvider } from './provider.js';

const say = (line: string) => console.log(`[shop] ${line}`);
const BAD_PHONE = '+33 6 00 00 00 02';

await using provider = await startFakeProvider({ failingPhones: [BAD_PHONE] });
say(`broker ${app.brokerUrl}, results ${app.backendUrl}, provider ${provider.url}`);
const worker = await app.worker({ concurrency: 8, queues: [SHOP_QUEUE], control: false });
await worker.start();

/** Place an order: one task, replaced by the notify-then-confirm chord. */
function placeOrder(orderId: string, address: string, phone: string) {
  say(`order ${orderId} placed`);
  return placeOrderTask.delay(provider.url, orderId, address, phone);
}

// 1. Both notifications go out, then the order is confirmed.
const first = await placeOrder('A-1001', 'ada@example.com', '+33 6 00 00 00 01');
const confirmed = await first.get({ timeoutMs: 15_000 });
const channels = provider.delivered
  .filter((d) => d.body['order'] === 'A-1001')
  .map((d) => d.channel)
  .sort();
say(`order A-1001 notified by ${channels.join(' and ')}`);
say(`order ${confirmed.orderId} ${confirmed.status} (${confirmed.receipts} receipts)`);

// 2. The SMS provider rejects the second order's phone: the chord fails at once.
const second = await placeOrder('A-1002', 'bob@example.com', BAD_PHONE);
try {
  await second.get({ timeoutMs: 15_000 });
  throw new Error('order A-1002 should not have been confirmed');
} catch (error) {
  if (!(error instanceof RemoteTaskError)) throw error;
  say(`order A-1002 not confirmed: ${error.excType}: ${String(error.excMessage[0])}`);
}
const page = await provider.waitFor('pager', (body) => body['order'] === 'A-1002', 15_000);
say(`alert_ops paged on-call about order ${page.body['order']}`);

await worker.stop();
await app.close();
say('done');
