/**
 * The workload of the scale-out tests: one in-process celeriac worker running acks-late
 * tasks from a Redis URL (Sentinel or Cluster), a producer publishing at a steady pace and
 * retrying until each publish is confirmed, and a disruption (a master killed, a slot
 * migrated) once a given number of publishes were confirmed. Completions are recorded in
 * this process, outside the broker under test, so a completion is never lost with it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeTaskMessage } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';

/** Settings of {@link runWorkload}. */
export interface WorkloadSettings {
  url: string;
  queue: string;
  tasks: number;
  /** Disrupt once this many publishes were confirmed. */
  disruptAfter: number;
  /** The disruption; it calls `mark()` at the moment it strikes (the kill, the first move). */
  disrupt: (mark: () => void) => Promise<void>;
  /** Give up waiting for completions after this long (ms). */
  deadlineMs: number;
  taskMs?: number;
  /** ms between publishes. */
  publishEveryMs?: number;
  visibilityTimeout?: number;
}

/** What happened, as the test prints it. */
export interface WorkloadFigures {
  tasks: number;
  confirmed: number;
  lost: number;
  /** Lost tasks whose publish was confirmed less than 1 s before the disruption. */
  lostInReplicationWindow: number;
  duplicated: number;
  /** From the disruption to the first completion of a task published after it (ms). */
  resumeMs: number;
  /** The longest pause between two confirmed publishes after the disruption (ms). */
  publishStallMs: number;
  /** The longest pause between two completions after the disruption (ms). */
  completionStallMs: number;
  publishRetries: number;
  /** Results read back from the result backend after the run. */
  resultsStored: number;
  totalMs: number;
  /** Worker warnings and errors, counted by message (ids elided). */
  problems: Record<string, number>;
}

/**
 * Run the workload; the worker and connections are stopped before it resolves (a worker
 * that does not stop within 20 s fails the run).
 */
export async function runWorkload(s: WorkloadSettings): Promise<WorkloadFigures> {
  const outcome = await runOnce(s);
  if (outcome.stopLate) throw new Error('the worker did not stop within 20 s');
  return outcome.figures;
}

async function runOnce(
  s: WorkloadSettings,
): Promise<{ figures: WorkloadFigures; stopLate: boolean }> {
  const taskMs = s.taskMs ?? 5;
  const runs = new Map<number, number>();
  const problems = new Map<string, number>();
  const note = (message: string, fields?: Record<string, unknown>) => {
    const error = fields?.['error'];
    const detail =
      error instanceof Error ? `: ${error.message}` : error ? `: ${JSON.stringify(error)}` : '';
    const key = `${message}${detail}`.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 200);
    problems.set(key, (problems.get(key) ?? 0) + 1);
  };
  const doneAt = new Map<number, number>();
  const worker = createWorker({
    transport: createRedisTransport(s.url, {
      visibilityTimeout: s.visibilityTimeout ?? 4,
      prioritySteps: [0],
      unackedMutexExpire: 1,
      restoreIntervalMs: 1000,
    }),
    backend: createRedisResultBackend(s.url, { resultExpires: 600 }),
    queues: [s.queue],
    concurrency: 8,
    hostname: `scale-${randomUUID().slice(0, 6)}@test`,
    logger: { ...silentLogger, warn: note, error: note },
    control: false,
    tasks: [
      implementTask(
        'scale.record',
        async (_ctx, n: number) => {
          await sleep(taskMs);
          runs.set(n, (runs.get(n) ?? 0) + 1);
          if (!doneAt.has(n)) doneAt.set(n, performance.now());
          return n;
        },
        { acksLate: true },
      ),
    ],
  });
  const producer = createRedisTransport(s.url, { prioritySteps: [0] });
  const backend = createRedisResultBackend(s.url);
  const confirmedAt = new Map<number, number>();
  const ids = new Map<number, string>();
  let publishRetries = 0;
  let disruptedAt = Number.POSITIVE_INFINITY;
  let disruption: Promise<void> | undefined;
  const started = performance.now();
  // Progress on stderr when asked (CELERIAC_TEST_PROGRESS=1), to see where a run stalls.
  const progress = process.env['CELERIAC_TEST_PROGRESS']
    ? setInterval(() => {
        const t = Math.round(performance.now() - started);
        process.stderr.write(
          `${s.queue} t=${t} confirmed=${confirmedAt.size} done=${runs.size} retries=${publishRetries} worker=${worker.state}\n`,
        );
      }, 2000)
    : undefined;
  let stopLate = false;
  try {
    await worker.start();
    await producer.connect();
    for (let n = 0; n < s.tasks; n++) {
      const id = randomUUID();
      ids.set(n, id);
      const message = encodeTaskMessage({ headers: { task: 'scale.record', id }, args: [n] });
      for (;;) {
        try {
          await producer.publish(message, { exchange: '', routingKey: s.queue });
          confirmedAt.set(n, performance.now());
          break;
        } catch (error) {
          publishRetries++;
          // A producer gives up at some point: 30 s of failures is a failed test, not a hang.
          if (publishRetries > 300) throw error;
          await sleep(100);
        }
      }
      if (confirmedAt.size === s.disruptAfter) {
        disruption = s.disrupt(() => (disruptedAt = performance.now()));
      }
      await sleep(s.publishEveryMs ?? 3);
    }
    await disruption;
    // Wait for every confirmed task, or until nothing completed for `idleMs` (a lost task
    // never comes back; a held one is restored within the visibility timeout).
    const deadline = performance.now() + s.deadlineMs;
    const idleMs = ((s.visibilityTimeout ?? 4) + 4) * 1000;
    let lastProgress = performance.now();
    let seen = runs.size;
    while (performance.now() < deadline && [...confirmedAt.keys()].some((n) => !runs.has(n))) {
      await sleep(100);
      if (runs.size !== seen) [seen, lastProgress] = [runs.size, performance.now()];
      if (performance.now() - lastProgress > idleMs) break;
    }
    const lostTasks = [...confirmedAt.keys()].filter((n) => !runs.has(n));
    const after = [...confirmedAt].filter(([, at]) => at > disruptedAt).map(([n]) => n);
    const firstDoneAfter = Math.min(...after.map((n) => doneAt.get(n) ?? Infinity));
    const gap = (times: number[]) => {
      const sorted = [disruptedAt, ...times.filter((t) => t > disruptedAt)].sort((a, b) => a - b);
      let max = 0;
      for (let i = 1; i < sorted.length; i++) max = Math.max(max, sorted[i]! - sorted[i - 1]!);
      return Math.round(max);
    };
    let resultsStored = 0;
    for (const [n, id] of ids) {
      if (!runs.has(n)) continue;
      const meta = await backend.get(id);
      if (meta.status === 'SUCCESS') resultsStored++;
      else note(`no result for task ${n} (${meta.status})`);
    }
    const figures: WorkloadFigures = {
      tasks: s.tasks,
      confirmed: confirmedAt.size,
      lost: lostTasks.length,
      lostInReplicationWindow: lostTasks.filter((n) => confirmedAt.get(n)! > disruptedAt - 1000)
        .length,
      duplicated: [...runs.values()].reduce((sum, c) => sum + c - 1, 0),
      resumeMs: Math.round(firstDoneAfter - disruptedAt),
      publishStallMs: gap([...confirmedAt.values()]),
      completionStallMs: gap([...doneAt.values()]),
      publishRetries,
      resultsStored,
      totalMs: Math.round(performance.now() - started),
      problems: Object.fromEntries([...problems].slice(0, 10)),
    };
    return {
      figures,
      get stopLate() {
        return stopLate;
      },
    };
  } finally {
    clearInterval(progress);
    const stopped = worker.stop();
    stopLate = await Promise.race([stopped.then(() => false), sleep(20_000, true)]);
    await producer.close();
    await backend.close();
  }
}
