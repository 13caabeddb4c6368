/**
 * The worker's metrics, through the OpenTelemetry metrics API (no-ops without an SDK; the
 * CLI's `--metrics-port` exposes them to Prometheus with a `celeriac_` prefix):
 *
 * - `messaging.process.duration` (s): from the task's start on an executor until it is
 *   finished (result stored, follow-ups sent), by queue, task name and outcome
 *   (`celery.task.outcome`: success, failure, retry, revoked, …; `error.type` on failures);
 * - `celery.task.wait` (s): from the worker's receipt of the message to the task's
 *   start (ETA holds, rate limits and waiting for a free executor);
 * - `celery.worker.tasks.active`, `.reserved`, `.prefetch`: gauges of what runs, what
 *   waits for an executor, and the prefetch the consumer asks of the broker;
 * - `messaging.queue.length`: the length of each queue the worker consumes, read from the
 *   broker at each collection — the signal to autoscale workers on (KEDA, HPA);
 * - `actor.restarts`: restarts its supervisors decided, by actor path (executor
 *   numbers folded to `*`, so the series stay bounded).
 *
 * Task names are bounded too: at most 100 distinct names, then `_OTHER`.
 */
import { metrics, type Attributes, type Counter, type Histogram } from '@opentelemetry/api';
import type { ExecutionOutcome } from './pool/outcome.js';
import type { TaskRequest } from './pipeline/request.js';

/** Instrumentation scope of the worker's metrics. */
export const METER_NAME = '@celeriac/worker';

/** The worker's metric names. */
export const WorkerMetric = {
  processDuration: 'messaging.process.duration',
  taskWait: 'celery.task.wait',
  active: 'celery.worker.tasks.active',
  reserved: 'celery.worker.tasks.reserved',
  prefetch: 'celery.worker.prefetch',
  queueLength: 'messaging.queue.length',
  actorRestarts: 'actor.restarts',
} as const;

/** Distinct task names in metric attributes before `_OTHER`. */
const MAX_TASK_NAMES = 100;

const SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** What the gauges read. */
export interface WorkerMetricsSources {
  /** `messaging.system`: `redis`, `rabbitmq`, `memory`. */
  readonly system: string;
  readonly hostname: string;
  readonly active: () => number;
  readonly reserved: () => number;
  readonly prefetch: () => number;
  /** The queues consumed now. */
  readonly queues: () => readonly string[];
  /** A queue's length on the broker. */
  readonly queueLength: (queue: string) => Promise<number>;
}

/** Records one worker's metrics. */
export class WorkerMetrics {
  readonly #sources: WorkerMetricsSources;
  readonly #duration: Histogram;
  readonly #wait: Histogram;
  readonly #restarts: Counter;
  readonly #names = new Set<string>();

  constructor(sources: WorkerMetricsSources) {
    this.#sources = sources;
    const meter = metrics.getMeterProvider().getMeter(METER_NAME);
    this.#duration = meter.createHistogram(WorkerMetric.processDuration, {
      description: 'Time to process a task message: run the task and finish it',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.#wait = meter.createHistogram(WorkerMetric.taskWait, {
      description: 'From the worker receiving a task message to the task starting',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.#restarts = meter.createCounter(WorkerMetric.actorRestarts, {
      description: 'Actor restarts decided by their supervisors',
      unit: '{restart}',
    });
    const worker = { 'celery.worker.hostname': sources.hostname };
    const gauge = (name: string, description: string, read: () => number) =>
      meter
        .createObservableGauge(name, { description, unit: '{task}' })
        .addCallback((result) => result.observe(read(), worker));
    gauge(WorkerMetric.active, 'Tasks running on an executor', sources.active);
    gauge(WorkerMetric.reserved, 'Tasks received and waiting for an executor', sources.reserved);
    gauge(WorkerMetric.prefetch, 'Unacknowledged messages the worker may hold', sources.prefetch);
    meter
      .createObservableGauge(WorkerMetric.queueLength, {
        description: 'Messages waiting in each queue the worker consumes',
        unit: '{message}',
      })
      .addCallback(async (result) => {
        const queues = sources.queues();
        const lengths = await Promise.allSettled(queues.map((q) => sources.queueLength(q)));
        lengths.forEach((length, i) => {
          // A queue the broker cannot measure now is left out of this collection.
          if (length.status !== 'fulfilled') return;
          result.observe(length.value, {
            'messaging.system': sources.system,
            'messaging.destination.name': queues[i]!,
          });
        });
      });
  }

  /** Record a task that ran: its wait before starting and its processing time. */
  processed(request: TaskRequest, outcome: ExecutionOutcome, finishedAt: number): void {
    const start = request.timeStart ?? finishedAt;
    const attributes: Attributes = {
      'messaging.system': this.#sources.system,
      'messaging.operation.name': 'process',
      'messaging.destination.name': request.delivery.queue,
      'celery.task_name': this.#name(request.name),
      'celery.task.outcome': outcome.kind,
    };
    if (outcome.kind === 'failure') {
      const error = outcome.error;
      attributes['error.type'] = error instanceof Error && error.name ? error.name : '_OTHER';
    } else if (outcome.kind === 'time-limit') attributes['error.type'] = 'TimeLimitExceeded';
    else if (outcome.kind === 'lost') attributes['error.type'] = 'WorkerLostError';
    this.#duration.record(Math.max(0, finishedAt - start) / 1000, attributes);
    this.#wait.record(Math.max(0, start - request.receivedAt) / 1000, {
      'messaging.system': this.#sources.system,
      'messaging.destination.name': request.delivery.queue,
      'celery.task_name': attributes['celery.task_name'] as string,
    });
  }

  /** Count a restart of the actor at `path` (numbered siblings folded together). */
  restarted(path: string): void {
    this.#restarts.add(1, { 'actor.path': path.replace(/-\d+$/, '-*') });
  }

  #name(name: string): string {
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_TASK_NAMES) return '_OTHER';
    this.#names.add(name);
    return name;
  }
}
