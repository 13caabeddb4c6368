/**
 * Redis throughput and latency, side by side in one run on the local Redis (issue 4):
 * the raw ioredis ceiling (two reliable-pop patterns), BullMQ (addBulk, concurrency 50,
 * removeOnComplete) and celeriac (worker, acks-late no-op task, concurrency 50), each
 * with 20,000 tasks published before its consumer starts; then enqueue→start latency at
 * 1,000 tasks/s offered. Prints one JSON line per figure; targets: ratio_vs_bullmq ≥ 1.5,
 * ratio_vs_raw ≥ 0.6, p99 ≤ 5 ms.
 *
 *   npm run bench:redis            (BENCH_TASKS=… to change the count)
 */
import { bullmqLatency, bullmqThroughput } from './redis-bench-bullmq.js';
import {
  celeriacLatency,
  celeriacThroughput,
  transportThroughput,
} from './redis-bench-celeriac.js';
import type { SystemResult } from './redis-bench-common.js';
import { TASKS, percentile, report, round } from './redis-bench-common.js';
import { rawLmove, rawTake } from './redis-bench-raw.js';

const LATENCY_TASKS = Number(process.env['BENCH_LATENCY_TASKS'] ?? 5_000);
const LATENCY_RATE = 1_000;

function line(result: SystemResult, extra: Record<string, unknown> = {}): void {
  report({
    bench: 'redis.throughput',
    system: result.system,
    tasks: TASKS,
    publish_per_s: Math.round(result.publishPerSecond),
    drain_seconds: round(result.drainSeconds, 3),
    tasks_per_s: Math.round(result.tasksPerSecond),
    ...extra,
  });
}

const only = process.env['BENCH_ONLY'];
const run = (system: string) => !only || only.split(',').includes(system);

// Warm-up (JIT, script caches, connections): a small unreported run of each system.
const WARMUP = 2_000;
if (run('raw')) {
  await rawTake(WARMUP);
  await rawLmove(WARMUP);
}
if (run('bullmq')) await bullmqThroughput(WARMUP);
if (run('transport')) await transportThroughput(WARMUP);
if (run('celeriac')) await celeriacThroughput({ results: false }, WARMUP);

const results: Record<string, SystemResult> = {};
if (run('raw')) {
  results['raw.take'] = await rawTake();
  results['raw.lmove'] = await rawLmove();
}
if (run('bullmq')) results['bullmq'] = await bullmqThroughput();
if (run('transport')) results['celeriac.transport'] = await transportThroughput();
if (run('celeriac')) {
  results['celeriac'] = await celeriacThroughput({ results: false });
  results['celeriac.results'] = await celeriacThroughput({ results: true });
}

const raw = Math.max(
  results['raw.take']?.tasksPerSecond ?? 0,
  results['raw.lmove']?.tasksPerSecond ?? 0,
);
const bullmq = results['bullmq']?.tasksPerSecond ?? 0;
for (const result of Object.values(results)) {
  const ratios = result.system.startsWith('celeriac')
    ? {
        ratio_vs_bullmq: bullmq ? round(result.tasksPerSecond / bullmq, 2) : null,
        ratio_vs_raw: raw ? round(result.tasksPerSecond / raw, 2) : null,
      }
    : {};
  line(result, ratios);
}

if (run('latency')) {
  for (const [system, measure] of [
    ['celeriac', celeriacLatency],
    ['bullmq', bullmqLatency],
  ] as const) {
    const samples = await measure(LATENCY_TASKS, LATENCY_RATE);
    report({
      bench: 'redis.latency',
      system,
      offered_per_s: LATENCY_RATE,
      tasks: LATENCY_TASKS,
      p50_ms: round(percentile(samples, 50), 2),
      p99_ms: round(percentile(samples, 99), 2),
      max_ms: round(Math.max(...samples), 2),
    });
  }
}
process.exit(0);
