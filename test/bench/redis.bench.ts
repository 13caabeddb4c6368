/**
 * Redis throughput and latency, side by side in one run on the local Redis (issue 21).
 * Systems (no-op task, acks-late, concurrency 50, prefetch 200 unless said):
 * - `raw.pipelined`: the hand-written ioredis ceiling (see redis-bench-raw.ts);
 * - `bullmq` (removeOnComplete) and `bullmq.results` (completed jobs kept with their value);
 * - `celeriac`, `celeriac.results` (each result stored as Celery does) and `celeriac.c200`
 *   (concurrency 200, prefetch 800);
 * - `celeriac.payload` vs `raw.payload`: 100 KB arguments, MB/s of the same envelope bytes;
 * - enqueue→start latency at 1,000 tasks/s offered, celeriac and BullMQ.
 *
 * Each message carries a task id of its own. Each system first runs a small warm-up that
 * sizes its run to drain in about BENCH_WINDOW_S seconds; then BENCH_ROUNDS rounds run
 * every system in turn. Lines: `redis.throughput.round` per run, then per system one
 * `redis.throughput` (median of the rounds, min/max, ratios as medians of per-round
 * ratios) and one `redis.latency`; every line has `loadavg`. Stdout holds only JSON lines,
 * so a script can run this as a child process and parse them (fields: `bench`, `system`,
 * `tasks_per_s`, `ratio_vs_*`, `p50_ms`, `p99_ms`, `mb_per_s`, `loadavg`). About 2.5–3 min
 * with the defaults; BENCH_CPU_PROF=<dir> writes a CPU profile of each celeriac drain
 * (read with `npx tsx test/bench/redis-profile-top.ts <file>`).
 *
 *   npm run bench:redis
 *   BENCH_ONLY=celeriac,celeriac.results   systems to run (`name*` for a prefix; `latency`)
 *   BENCH_ROUNDS=3  BENCH_WINDOW_S=2.5     rounds; seconds each drain should last
 *   BENCH_TASKS=…                          a fixed count instead of sizing
 *   BENCH_LATENCY_TASKS=3000  BENCH_PAYLOAD_KB=100  BENCH_PAYLOAD_TASKS=300
 */
import { randomBytes } from 'node:crypto';
import { bullmqLatency, bullmqThroughput } from './redis-bench-bullmq.js';
import { celeriacLatency, celeriacThroughput } from './redis-bench-celeriac.js';
import { envelopeOf, noopMessage, percentile, report, round } from './redis-bench-common.js';
import { rawPayload, rawPipelined } from './redis-bench-raw.js';
import type { BenchSystem } from './redis-bench-rounds.js';
import { median, ratio, runRounds, sizeRuns, summary } from './redis-bench-rounds.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', 3);
const WINDOW_S = env('BENCH_WINDOW_S', 2.5);
const FIXED = process.env['BENCH_TASKS'] ? env('BENCH_TASKS', 0) : undefined;
const LATENCY_TASKS = env('BENCH_LATENCY_TASKS', 3_000);
const LATENCY_RATE = 1_000;
const PAYLOAD_BYTES = env('BENCH_PAYLOAD_KB', 100) * 1024;
const PAYLOAD_TASKS = env('BENCH_PAYLOAD_TASKS', 300);

const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
const wanted = (name: string) =>
  !only || only.some((o) => (o.endsWith('*') ? name.startsWith(o.slice(0, -1)) : name === o));

// One string argument of PAYLOAD_BYTES; the envelope (base64 body) is what both move.
// Random text per message: real payloads differ from one message to the next.
const payloadArgs = () => [randomBytes(Math.ceil((PAYLOAD_BYTES * 3) / 4)).toString('base64')];
const payloadEnvelope = () => envelopeOf(noopMessage(payloadArgs()), 'bench');
const envelopeBytes = payloadEnvelope().length;

const all: BenchSystem[] = [
  { name: 'raw.pipelined', drain: rawPipelined },
  { name: 'bullmq', drain: (n) => bullmqThroughput(false, n) },
  { name: 'bullmq.results', drain: (n) => bullmqThroughput(true, n) },
  { name: 'celeriac', drain: (n) => celeriacThroughput({ system: 'celeriac' }, n) },
  {
    name: 'celeriac.results',
    drain: (n) => celeriacThroughput({ system: 'celeriac.results', results: true }, n),
  },
  {
    name: 'celeriac.c200',
    drain: (n) => celeriacThroughput({ system: 'celeriac.c200', concurrency: 200 }, n),
    extra: { concurrency: 200 },
  },
  {
    name: 'raw.payload',
    drain: (n) => rawPayload(Array.from({ length: n }, payloadEnvelope)),
    tasks: PAYLOAD_TASKS,
    extra: { payload_bytes: PAYLOAD_BYTES },
  },
  {
    name: 'celeriac.payload',
    drain: async (n) => {
      const result = await celeriacThroughput({ system: 'celeriac.payload', args: payloadArgs }, n);
      return { ...result, bytesPerSecond: result.tasksPerSecond * envelopeBytes };
    },
    tasks: PAYLOAD_TASKS,
    extra: { payload_bytes: PAYLOAD_BYTES },
  },
];
const systems = all.filter((s) => wanted(s.name));

const sizes = await sizeRuns(systems, WINDOW_S, FIXED);
const runs = await runRounds(systems, sizes, ROUNDS);

/** Each system's ratios: [field, the system it is compared with]. */
const RATIOS: Record<string, [string, string][]> = {
  celeriac: [
    ['ratio_vs_bullmq', 'bullmq'],
    ['ratio_vs_raw', 'raw.pipelined'],
  ],
  'celeriac.results': [
    ['ratio_vs_bullmq', 'bullmq.results'],
    ['ratio_vs_no_results', 'celeriac'],
  ],
  'celeriac.c200': [['ratio_vs_c50', 'celeriac']],
  'celeriac.payload': [['ratio_vs_raw', 'raw.payload']],
};
for (const system of systems) {
  const ratios = Object.fromEntries(
    (RATIOS[system.name] ?? []).map(([field, base]) => [
      field,
      system.name.endsWith('.payload')
        ? ratio(runs, system.name, base, (r) => r.bytesPerSecond ?? NaN)
        : ratio(runs, system.name, base),
    ]),
  );
  report({
    bench: 'redis.throughput',
    system: system.name,
    ...summary(runs.get(system.name) ?? []),
    ...ratios,
    ...system.extra,
  });
}

if (wanted('latency')) {
  for (const [system, measure] of [
    ['celeriac', celeriacLatency],
    ['bullmq', bullmqLatency],
  ] as const) {
    const p50: number[] = [];
    const p99: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const samples = await measure(LATENCY_TASKS, LATENCY_RATE);
      p50.push(percentile(samples, 50));
      p99.push(percentile(samples, 99));
    }
    report({
      bench: 'redis.latency',
      system,
      offered_per_s: LATENCY_RATE,
      tasks: LATENCY_TASKS,
      rounds: ROUNDS,
      p50_ms: round(median(p50), 2),
      p99_ms: round(median(p99), 2),
      p99_ms_min: round(Math.min(...p99), 2),
      p99_ms_max: round(Math.max(...p99), 2),
    });
  }
}
process.exit(0);
