/**
 * Shared pieces of `npm run bench:redis`: the payload (one celeriac/Celery no-op task
 * message in kombu's envelope, a fresh task id per message), key prefixes, cleanup,
 * percentiles and output (one JSON line each, with the load average).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { BrokerMessage } from '@celeriac/protocol';
import { encodeTaskMessage } from '@celeriac/protocol';
import { encodeEnvelope } from '@celeriac/redis';
import { deleteRedisKeys } from '../support/redis-keys.js';

export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
/** Celery's default concurrency here; `celeriac.c200` runs with 200. */
export const CONCURRENCY = 50;
/** Celery's default: prefetch = concurrency × 4. */
export const PREFETCH = CONCURRENCY * 4;
export const NOOP_TASK = 'bench.noop';

/** A unique key prefix for one system's run. */
export function benchPrefix(system: string): string {
  return `celeriac-bench-${system}-${randomUUID().slice(0, 8)}:`;
}

/** The no-op task message with a task id of its own; `args` are its positional arguments. */
export function noopMessage(args: unknown[] = []): BrokerMessage {
  return encodeTaskMessage({
    headers: { task: NOOP_TASK, id: randomUUID(), origin: `gen${process.pid}@bench` },
    args,
  });
}

/** A message as the kombu envelope string a list holds. */
export function envelopeOf(message: BrokerMessage, queue: string): string {
  return encodeEnvelope(message, { exchange: '', routingKey: queue }, randomUUID());
}

/** Delete every key with `prefix` (the tests' SCAN+UNLINK cleanup). */
export function deletePrefix(prefix: string): Promise<void> {
  return deleteRedisKeys(prefix, [], REDIS_URL);
}

/** Milliseconds since the epoch with sub-millisecond precision (same clock everywhere). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The p-th percentile (0–100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

/** Round to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Print one JSON line, stamped with the 1-minute load average (2 decimals). */
export function report(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...line, loadavg: round(loadavg()[0] ?? 0, 2) }));
}

/** Poll `predicate` every `intervalMs` until it holds. */
export async function until(predicate: () => boolean | Promise<boolean>, intervalMs = 2) {
  while (!(await predicate())) await new Promise((r) => setTimeout(r, intervalMs));
}

/** A publishing schedule: `count` sends at `perSecond`, each given its due time. */
export async function paced(
  count: number,
  perSecond: number,
  send: (i: number) => void,
): Promise<void> {
  const start = nowMs();
  let i = 0;
  while (i < count) {
    const due = start + (i * 1000) / perSecond;
    if (nowMs() >= due) {
      send(i++);
      continue;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.floor(due - nowMs()))));
  }
}

/** One drain of one system: `tasks` published first, then consumed in `drainSeconds`. */
export interface SystemResult {
  system: string;
  tasks: number;
  publishPerSecond: number;
  drainSeconds: number;
  tasksPerSecond: number;
  /** Payload bytes moved per second (the payload runs only). */
  bytesPerSecond?: number;
}

/** A drain of `tasks` messages. */
export type Drain = (tasks: number) => Promise<SystemResult>;

/** The result of a drain that took `drainSeconds` for `tasks`. */
export function drained(
  system: string,
  tasks: number,
  publishPerSecond: number,
  drainSeconds: number,
): SystemResult {
  return { system, tasks, publishPerSecond, drainSeconds, tasksPerSecond: tasks / drainSeconds };
}

/**
 * With BENCH_CPU_PROF=<dir>, a CPU profile of the drain window only (not the publishing,
 * not the warm-ups' set-up): `<dir>/<system>-<time>.cpuprofile`, for Chrome DevTools or
 * `redis-profile-top.ts` (top functions by self time).
 */
export async function profiled<T>(system: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env['BENCH_CPU_PROF'];
  if (!dir) return run();
  const { Session } = await import('node:inspector/promises');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    const file = `${dir}/${system}-${Date.now()}.cpuprofile`;
    await writeFile(file, JSON.stringify(profile));
  }
}
