/**
 * The feed poller demo, traced by a real OpenTelemetry SDK. A supervisor `/feed` runs the
 * poller `/feed/poller`; the story:
 *
 *  1. the poller starts (resources: storage, feed) and loops polling → processing;
 *  2. storage becomes unreachable: the health check degrades the actor, with the reason,
 *     polling goes on (entries pile up), processing stops; storage comes back: healthy;
 *  3. the feed serves a corrupt entry: the poller crashes, the supervisor decides to
 *     restart it after a backoff, and the new lifetime links to the crashed one;
 *  4. an archiver is added to the running supervisor (`addChild`); its step ignores its
 *     abort signal, so `removeChild(…, { timeoutMs: 200 })` abandons it and says so;
 *  5. the system stops, releasing the resources in reverse order, and the trace the SDK
 *     exported is printed as a tree. The process exits 0 when every part was seen.
 *
 * Ctrl-C (SIGINT) stops the system, releases resources, and exits 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createActorSystem, defineActor, defineSupervisor } from '@celeriac/actors';
import type { InspectionRecord } from '@celeriac/actors';
import { feedPoller } from './feed-poller.js';
import { Feed, Storage } from './storage.js';
import { traceTree } from './trace-tree.js';

const t0 = Date.now();
const log = (line: string): void => {
  console.log(`+${((Date.now() - t0) / 1000).toFixed(3)}s ${line}`);
};

function describe(record: InspectionRecord): string | undefined {
  if (record.type === 'error') return `${record.path} error: ${String(record.error)}`;
  if (record.type === 'decision') {
    return `${record.path} decides to ${record.decision} ${record.child} (${record.exit}, backoff ${record.backoffMs} ms, ${record.restartsInWindow} restart(s) in window)`;
  }
  // Lifecycle changes only; the activity's moves are in the trace as step spans.
  if (record.from === record.to) return undefined;
  const why = record.reason === undefined ? '' : ` — ${record.reason}`;
  return `${record.path.padEnd(14)} ${record.from} → ${record.to} (${record.event})${why}`;
}

// The SDK lives here, in the application, never in the library (STYLE.md 12).
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const storage = new Storage();
const feed = new Feed();
const system = createActorSystem({
  onUnhandledError: (error, actor) => {
    log(`unhandled error from ${actor.path}: ${String(error)}`);
    process.exitCode = 1;
  },
});
const seen = new Set<string>();
system.inspect((record) => {
  const line = describe(record);
  if (line !== undefined) log(line);
  if (record.type === 'decision' && record.decision === 'restart') seen.add('restart');
  if (record.type === 'transition' && record.to === 'started.running.degraded') {
    seen.add('degraded');
  }
});

const root = system.spawn(
  defineSupervisor({
    name: 'feed',
    strategy: 'one-for-one',
    intensity: { maxRestarts: 3, withinMs: 10_000 },
    backoff: { initialMs: 200, jitter: 0 },
    children: [
      {
        id: 'poller',
        actor: feedPoller({ pollEveryMs: 150, checkEveryMs: 100, storage, feed, log }),
      },
    ],
  }),
  { id: 'feed' },
);

let stopping: Promise<void> | undefined;
async function shutdown(why: string): Promise<void> {
  stopping ??= (async () => {
    log(`${why}: stopping the system`);
    await system.close();
    log(`storage closed: ${storage.closed}; ${storage.items.length} entries stored`);
  })();
  return stopping;
}
process.once('SIGINT', () => {
  void shutdown('SIGINT').then(() => process.exit(process.exitCode ?? 0));
});

await root.start();
const poller = root.resources.poller;

// 2. An outage.
await sleep(500);
log('--- storage becomes unreachable ---');
storage.reachable = false;
await sleep(600);
log('--- storage is back ---');
storage.reachable = true;
while (poller.health !== 'healthy') await sleep(50);

// 3. A corrupt entry.
await sleep(300);
log('--- the feed serves a corrupt entry ---');
feed.corruptNext = true;
while (!seen.has('restart') || poller.state !== 'started.running.healthy') await sleep(50);

// 4. A child added at run time, and removed with a bound.
const archiver = defineActor({
  name: 'archiver',
  tasks: { archive: { run: () => new Promise<never>(() => {}) } }, // ignores its signal
  initialTask: 'archive',
});
await root.addChild({ id: 'archiver', actor: archiver });
log(`children: ${root.children.map((c) => c.id).join(', ')}`);
await sleep(200);
const removed = await root.removeChild('archiver', { timeoutMs: 200 });
log(`archiver removed: ${removed.abandoned?.reason ?? 'stopped cleanly'}`);
if (removed.abandoned !== undefined) seen.add('abandoned');

// 5. Stop, and print what the SDK exported.
await sleep(300);
await shutdown('story done');
console.log('\nThe trace, as the OpenTelemetry SDK exported it:\n');
for (const line of traceTree(exporter.getFinishedSpans())) console.log(`  ${line}`);
const told =
  seen.has('degraded') &&
  seen.has('restart') &&
  seen.has('abandoned') &&
  storage.closed &&
  storage.items.length > 0;
log(told ? 'story told: degraded, restarted, abandoned, released' : 'story NOT told');
if (!told) process.exitCode = 1;
await provider.shutdown();
