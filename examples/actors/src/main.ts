/**
 * The feed poller demo. A supervisor `/feed` runs the poller `/feed/poller`; every state
 * transition is printed from the system's inspection stream. The story:
 *
 *  1. the poller starts (resources: storage, feed) and loops polling → processing;
 *  2. storage becomes unreachable: the health check degrades the actor, polling goes on
 *     (entries pile up), processing stops;
 *  3. storage comes back: the actor recovers and processing flushes the backlog;
 *  4. the system stops, releasing the resources in reverse order, and the process exits 0.
 *
 * `--forever` keeps it running with an outage every few seconds; Ctrl-C (SIGINT) stops
 * the system, releases resources, and exits 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActorSystem, defineSupervisor } from '@celeriac/actors';
import type { InspectionRecord } from '@celeriac/actors';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import { feedPoller } from './feed-poller.js';
import { Storage } from './storage.js';

const forever = process.argv.includes('--forever');
const t0 = Date.now();
const log = (line: string): void => {
  console.log(`+${((Date.now() - t0) / 1000).toFixed(3)}s ${line}`);
};

function describe(record: InspectionRecord): string {
  if (record.type === 'error')
    return `${record.path} error in ${record.state}: ${String(record.error)}`;
  if (record.type === 'decision')
    return `${record.path} decides to ${record.decision} ${record.child} (${record.exit})`;
  const state = record.from === record.to ? record.to : `${record.from} → ${record.to}`;
  const activity =
    record.fromActivity === record.toActivity
      ? ''
      : `  [${record.fromActivity ?? '-'} → ${record.toActivity ?? '-'}]`;
  return `${record.path.padEnd(13)} ${state}${activity}  (${record.event})`;
}

// The SDK lives here, in the example, never in the package (STYLE.md 12).
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});

const storage = new Storage();
const system = createActorSystem({
  tracerProvider,
  onUnhandledError: (error, actor) => {
    log(`unhandled error from ${actor.path}: ${String(error)}`);
    process.exitCode = 1;
  },
});
let degraded = false;
let recovered = false;
system.inspect((record) => {
  log(describe(record));
  if (record.type !== 'transition' || record.path !== '/feed/poller') return;
  if (record.to === 'started.running.degraded') degraded = true;
  if (record.from === 'started.running.degraded' && record.to === 'started.running.healthy') {
    recovered = true;
  }
});

const feed = defineSupervisor({
  name: 'feed',
  strategy: 'one-for-one',
  intensity: { maxRestarts: 3, withinMs: 10_000 },
  children: [
    { id: 'poller', actor: feedPoller({ pollEveryMs: 150, checkEveryMs: 100, storage, log }) },
  ],
});
const root = system.spawn(feed, { id: 'feed' });

let stopping: Promise<void> | undefined;
async function shutdown(why: string): Promise<void> {
  stopping ??= (async () => {
    log(`${why}: stopping the system`);
    await system.close();
    log(`storage closed: ${storage.closed}; ${storage.items.length} entries stored`);
    const spans = exporter.getFinishedSpans();
    for (const span of spans) {
      log(
        `span "${span.name}" ${String(span.attributes['celeriac.actor.path'])}: ${span.events.length} events`,
      );
    }
  })();
  return stopping;
}

process.once('SIGINT', () => {
  void shutdown('SIGINT').then(() => process.exit(process.exitCode ?? 0));
});

await root.start();
const poller = root.resources.poller;

async function outage(ms: number): Promise<void> {
  log('--- storage becomes unreachable ---');
  storage.reachable = false;
  await sleep(ms);
  log('--- storage is back ---');
  storage.reachable = true;
}

if (forever) {
  for (;;) {
    await sleep(3_000);
    if (stopping) break;
    await outage(1_500);
  }
} else {
  await sleep(700);
  await outage(800);
  // Wait for the recovery and for the backlog to reach storage.
  const stored = storage.items.length;
  while (poller.health !== 'healthy' || storage.items.length === stored) await sleep(50);
  await sleep(300);
  await shutdown('story done');
  const told = degraded && recovered && storage.closed && storage.items.length > 0;
  log(told ? 'story told: degraded, recovered, resources released' : 'story NOT told');
  if (!told) process.exitCode = 1;
}
