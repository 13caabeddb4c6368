/**
 * Periodic tasks on memory://, in one process: a worker, and two beat replicas sharing
 * one coordination store. One leads and sends; an interval entry, a cron string and an entry
 * added at run time run on the worker; then the leader is cut off from the store (as a
 * killed process would be) and the other replica takes over within the lease, without
 * sending any run twice.
 *
 * Run with `npm start -w examples/beat` (about 12 seconds).
 */
import { createBeat, cron, every } from '@celeriac/beat';
import type { Beat, Logger } from '@celeriac/beat';
import { createClient } from '@celeriac/client';
import {
  MemoryBeatCoordination,
  createMemoryResultBackend,
  createMemoryTransport,
  memoryBeatStore,
} from '@celeriac/memory';
import { createWorker, implementTask } from '@celeriac/worker';

const say = (line: string) => console.log(`[beat example] ${line}`);
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => say(`warn: ${message}`),
  error: (message) => say(`error: ${message}`),
};

// The worker runs what beat sends, and records each run's scheduled time.
const runs: { entry: string; scheduledAt: string }[] = [];
const record = implementTask('shop.periodic', (ctx, what: unknown) => {
  const entry = String(ctx.headers['periodic_task_name']);
  const scheduledAt = String(ctx.headers['periodic_task_scheduled_at']);
  runs.push({ entry, scheduledAt });
  say(`worker ran ${entry} (${String(what)}) scheduled at ${scheduledAt}`);
});
const worker = createWorker({
  transport: createMemoryTransport('memory://'),
  backend: createMemoryResultBackend('memory://'),
  tasks: [record],
  ownTransport: true,
  ownBackend: true,
});
await worker.start();

const client = createClient({ transport: createMemoryTransport('memory://'), ownTransport: true });
const schedule = {
  'every-second': { task: 'shop.periodic', schedule: every(1), args: ['interval'] },
  'every-5s-cron': { task: 'shop.periodic', schedule: cron('*/5 * * * * *'), args: ['cron'] },
};
// Two replicas; each has its own connection to the store, so one can be cut off.
const connections = [0, 1].map(
  () => new MemoryBeatCoordination({ store: memoryBeatStore('', 'example') }),
);
const replicas: Beat[] = connections.map((coordination) =>
  createBeat({ client, coordination, schedule, leaseMs: 3_000, logger: quiet }),
);
for (const beat of replicas) await beat.start();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(500);
const leader = replicas.find((b) => b.role === 'leader')!;
say(`leader: ${leader.holder} (epoch ${(await leader.leader())?.epoch})`);

// An entry added at run time, through the follower: stored, so the leader runs it.
const follower = replicas.find((b) => b !== leader)!;
await follower.add('every-2s', { task: 'shop.periodic', schedule: every(2), args: ['run-time'] });
await sleep(4_000);

// Cut the leader off from the store: it cannot renew, and gives up when its lease ends.
say(`cutting ${leader.holder} off from the store`);
connections[replicas.indexOf(leader)]!.suspend();
await sleep(6_000);
say(`leader now: ${(await follower.leader())?.holder} (epoch ${(await follower.leader())?.epoch})`);

for (const beat of replicas) await beat.stop();
await client.close();
await worker.stop();

const times = runs.filter((r) => r.entry === 'every-second').map((r) => r.scheduledAt);
const duplicates = times.length - new Set(times).size;
say(`every-second ran ${times.length} times, ${duplicates} duplicated scheduled times`);
if (duplicates > 0) process.exitCode = 1;
