/**
 * The monitor's cluster state against Celery 5.2's own `State`, side by side in one run,
 * on the same recorded stream: 10 workers (heartbeats every 2 s) and N tasks, each
 * received → started → succeeded in `task.multi` batches of 24 as workers send them.
 * Prints one JSON line per system (events/s, tasks kept) and the state's heap with
 * 10,000 tasks kept, with the load average (the machine is shared: compare ratios).
 *
 *   npm run bench:monitor            (BENCH_TASKS=50000 by default)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterState, type ReceivedEvent } from '@celeriac/monitor';
import { runPython } from '../support/python-celery.js';

const TASKS = Number(process.env['BENCH_TASKS'] ?? 50_000);
const WORKERS = 10;
const BATCH = 24;
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

/** The recorded stream: batches of events, timestamps 1 ms apart per task. */
function stream(): ReceivedEvent[][] {
  const batches: ReceivedEvent[][] = [];
  let batch: ReceivedEvent[] = [];
  let clock = 0;
  const t0 = Date.now() / 1000;
  const push = (
    event: { type: string; hostname: string; timestamp: number } & Record<string, unknown>,
  ) => {
    batch.push({ utcoffset: 0, pid: 1, clock: ++clock, local_received: event.timestamp, ...event });
    if (batch.length === BATCH) {
      batches.push(batch);
      batch = [];
    }
  };
  for (let i = 0; i < TASKS; i++) {
    const t = t0 + i / 1000;
    const hostname = `w${i % WORKERS}@bench`;
    if (i % 2000 < WORKERS) {
      const w = `w${i % 2000}@bench`;
      push({
        type: 'worker-heartbeat',
        hostname: w,
        timestamp: t,
        freq: 2,
        active: 1,
        processed: i,
        loadavg: [0.1, 0.1, 0.1],
        sw_ident: 'py-celery',
        sw_ver: '5.2.6',
        sw_sys: 'Linux',
      });
    }
    const uuid = randomUUID();
    push({
      type: 'task-received',
      hostname,
      timestamp: t,
      uuid,
      name: `bench.task${i % 20}`,
      args: `(${i},)`,
      kwargs: '{}',
      root_id: uuid,
      parent_id: null,
      retries: 0,
      eta: null,
      expires: null,
    });
    push({ type: 'task-started', hostname, timestamp: t + 0.0002, uuid });
    push({
      type: 'task-succeeded',
      hostname,
      timestamp: t + 0.0009,
      uuid,
      result: String(i),
      runtime: 0.0007,
    });
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function line(fields: Record<string, unknown>): void {
  console.log(
    JSON.stringify({ ...fields, loadavg: loadavg().map((n) => Math.round(n * 100) / 100) }),
  );
}

const batches = stream();
const events = batches.reduce((n, b) => n + b.length, 0);

globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const state = new ClusterState();
let changes = 0;
state.subscribe((c) => (changes += c.length));
const started = performance.now();
for (const batch of batches) state.apply(batch);
const seconds = (performance.now() - started) / 1000;
globalThis.gc?.();
const heapAfter = process.memoryUsage().heapUsed;
line({
  bench: 'monitor.state',
  system: 'celeriac ClusterState',
  events,
  seconds: Math.round(seconds * 1000) / 1000,
  eventsPerSecond: Math.round(events / seconds),
  tasksKept: state.taskCount,
  workers: state.workers().length,
  changes,
  heapMiB: Math.round(((heapAfter - heapBefore) / 2 ** 20) * 10) / 10,
  heapMeasured: typeof globalThis.gc === 'function',
});

const dir = await mkdtemp(join(tmpdir(), 'celeriac-bench-monitor-'));
try {
  const file = join(dir, 'events.jsonl');
  await writeFile(file, batches.map((b) => JSON.stringify(b)).join('\n'));
  const output = await runPython(['events_state.py', file], { dir: PYTHON_DIR, env: {} }, 600_000);
  const py = JSON.parse(output.trim().split('\n').at(-1)!) as {
    events: number;
    seconds: number;
    tasks: number;
    workers: number;
  };
  line({
    bench: 'monitor.state',
    system: 'Celery 5.2 State (Python)',
    events: py.events,
    seconds: Math.round(py.seconds * 1000) / 1000,
    eventsPerSecond: Math.round(py.events / py.seconds),
    tasksKept: py.tasks,
    workers: py.workers,
    ratio: Math.round((events / seconds / (py.events / py.seconds)) * 100) / 100,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
