/**
 * The quickstart story, in one process: a worker and a client on the same app.
 * Run with `npm start` at the repository root or `npm start -w examples/quickstart`.
 */
import { RemoteTaskError } from 'celeriac';
import { addTask, app, chargeCardTask, flakyFetchTask, resizeImagesTask } from './app.js';

const say = (line: string) => console.log(`[quickstart] ${line}`);

say(`broker ${app.brokerUrl}, results ${app.backendUrl}`);
const worker = await app.worker({ concurrency: 4 });
await worker.start();
say(`worker ${worker.state}`);

// 1. delay/get: typed arguments in, typed result out.
const sum = await addTask.delay(2, 3);
say(`add(2, 3) sent as ${sum.id}`);
say(`add(2, 3) = ${await sum.get({ timeoutMs: 5_000 })}`);

// 2. A retry: the task fails twice with a retryable error, then succeeds.
const fetched = await flakyFetchTask.delay('https://api.example.com/stock');
const fetchResult = await fetched.get({ timeoutMs: 10_000 });
say(`flaky_fetch succeeded after ${fetchResult.attempts} attempts`);

// 3. A failure: the remote exception arrives with its type, message and traceback.
const charge = await chargeCardTask.delay('4242-xxxx', 19.99);
try {
  await charge.get({ timeoutMs: 5_000 });
  throw new Error('charge_card should have failed');
} catch (error) {
  if (!(error instanceof RemoteTaskError)) throw error;
  say(`charge_card failed remotely: ${error.excType}: ${String(error.excMessage[0])}`);
  say(`remote traceback, first line: ${error.traceback?.split('\n')[0] ?? '(none)'}`);
}

// 4. Progress: a custom state with meta, observed while waiting.
const resize = await resizeImagesTask.delay(5);
const resized = await resize.get({
  timeoutMs: 10_000,
  onUpdate: (meta) => {
    if (meta.status === 'PROGRESS') say(`resize_images progress ${JSON.stringify(meta.result)}`);
  },
});
say(`resize_images done: ${JSON.stringify(resized)}`);

await worker.stop();
await app.close();
say('done');
