/**
 * The cluster as the pages see it: the monitor's state turned into the JSON views of
 * `api-types.ts`, with what the dashboard adds — pools and running tasks from
 * {@link WorkerFacts}, per-queue rates from {@link QueueRates}, the unit or executor
 * that ran a task. Reading only; the monitor owns the state.
 */
import type { ActorNode } from '@celeriac/client';
import type { ClusterState, StateChange, TaskInfo, WorkerInfo } from '@celeriac/monitor';
import type {
  ActorNodeView,
  ActorTransitionView,
  QueueRow,
  StatsView,
  TaskDetail,
  TaskListQuery,
  TaskRow,
  WorkerDetail,
  WorkerRow,
} from './api-types.js';
import { QueueRates } from './queue-rates.js';
import type { WorkerFacts } from './worker-facts.js';

/** Executors remembered per task id (from events that name one). */
const EXECUTORS_KEPT = 10_000;

/** Worst first: what a tree's summary shows. */
const SEVERITY = ['crashed', 'unhealthy', 'restarting', 'degraded', 'stopped', 'healthy'];

function severity(node: ActorNode): string | null {
  if (node.state === 'crashed' || node.state === 'restarting' || node.state === 'stopped') {
    return node.state;
  }
  return node.health;
}

function worstHealth(root: ActorNode): string {
  let worst = SEVERITY.length - 1;
  const visit = (node: ActorNode) => {
    const s = severity(node);
    const index = s === null ? -1 : SEVERITY.indexOf(s);
    if (index >= 0 && index < worst) worst = index;
    node.children.forEach(visit);
  };
  visit(root);
  return SEVERITY[worst]!;
}

/**
 * The exception as a line: the event's repr, unless it is billiard's wrapper (Python
 * prefork and threads pools send `ExceptionWithTraceback()`), then the traceback's last
 * line (`ValueError: kaput`).
 */
function exceptionOf(task: TaskInfo): string | null {
  if (task.exception?.startsWith('ExceptionWithTraceback(') && task.traceback) {
    const lines = task.traceback.trimEnd().split('\n');
    return lines[lines.length - 1] ?? task.exception;
  }
  return task.exception;
}

function taskRow(task: TaskInfo): TaskRow {
  return {
    id: task.id,
    name: task.name,
    state: task.state,
    worker: task.worker,
    args: task.args,
    kwargs: task.kwargs,
    result: task.state === 'SUCCESS' ? task.result : (exceptionOf(task) ?? task.result),
    timestamp: task.timestamp,
    received: task.received,
    started: task.started,
    runtime: task.runtime,
    retries: task.retries,
  };
}

/** Views of one cluster state. */
export class ClusterView {
  readonly rates = new QueueRates();
  readonly #executors = new Map<string, string>();

  constructor(
    private readonly state: ClusterState,
    private readonly facts: WorkerFacts,
  ) {}

  /** Take in a batch of changes: queue attribution, executors named by events. */
  observe(changes: readonly StateChange[]): void {
    for (const change of changes) {
      if (change.kind === 'queue') {
        const { name, length, updatedAt } = change.queue;
        if (length !== null && updatedAt !== null) this.rates.length(name, length, updatedAt);
        continue;
      }
      if (change.kind !== 'task') continue;
      const event = change.event as Record<string, unknown>;
      if (event['type'] === 'task-started' && typeof event['executor'] === 'string') {
        this.#executors.set(change.task.id, event['executor']);
        if (this.#executors.size > EXECUTORS_KEPT) {
          this.#executors.delete(this.#executors.keys().next().value!);
        }
      }
      if (event['type'] === 'task-received') {
        const queue = this.#queueOf(change.task);
        if (queue !== null) this.rates.taken(queue, change.event.local_received);
      }
    }
  }

  #queueOf(task: TaskInfo): string | null {
    if (task.queue !== null) return task.queue;
    if (task.worker === null) return task.routingKey;
    const consumed = this.state.queues().filter((q) => q.consumers.includes(task.worker!));
    return consumed.length === 1 ? consumed[0]!.name : task.routingKey;
  }

  workerRow(worker: WorkerInfo): WorkerRow {
    const queues = this.state
      .queues()
      .filter((q) => q.consumers.includes(worker.hostname))
      .map((q) => q.name);
    const software = [worker.swIdent, worker.swVer].filter((s) => s !== null).join(' ');
    return {
      hostname: worker.hostname,
      kind: worker.kind,
      online: worker.online,
      lastHeartbeat: worker.heartbeats[worker.heartbeats.length - 1] ?? null,
      freq: worker.freq,
      offlineSince: worker.offlineSince,
      pid: worker.pid,
      active: worker.active,
      processed: worker.processed,
      succeeded: worker.succeeded,
      failed: worker.failed,
      loadavg: worker.loadavg,
      software: software === '' ? null : software,
      pool: this.facts.pool(worker.hostname),
      queues,
      health: worker.actorTree ? worstHealth(worker.actorTree) : null,
      hasActorTree: worker.actorTree !== null,
    };
  }

  workers(): WorkerRow[] {
    return this.state.workers().map((w) => this.workerRow(w));
  }

  worker(hostname: string): WorkerDetail | null {
    const worker = this.state.worker(hostname);
    if (!worker) return null;
    const changedAt = new Map<string, number>();
    const lastState = new Map<string, string>();
    for (const t of worker.actorTransitions) {
      changedAt.set(t.path, t.localReceived);
      lastState.set(t.path, t.to);
    }
    const view = (node: ActorNode): ActorNodeView => ({
      id: node.id,
      path: node.path,
      kind: node.kind,
      state: node.state,
      activity: node.activity,
      health: node.health,
      restarts: node.restarts,
      changedAt: changedAt.get(node.path) ?? null,
      lastState: lastState.get(node.path) ?? null,
      children: node.children.map(view),
    });
    const transitions: ActorTransitionView[] = worker.actorTransitions.map((t) => ({
      path: t.path,
      kind: t.kind,
      from: t.from,
      to: t.to,
      fromActivity: t.fromActivity,
      toActivity: t.toActivity,
      event: t.event,
      reason: t.reason,
      timestamp: t.timestamp,
    }));
    return {
      worker: this.workerRow(worker),
      tree: worker.actorTree ? view(worker.actorTree) : null,
      transitions,
      running: this.facts.running(hostname),
    };
  }

  /** The newest tasks matching `query`, and how many are kept in all. */
  tasks(query: TaskListQuery): { tasks: TaskRow[]; total: number } {
    const tasks = this.state.tasks({
      ...(query.state ? { state: query.state.split(',') } : {}),
      ...(query.name ? { name: query.name } : {}),
      ...(query.worker ? { worker: query.worker } : {}),
      ...(query.search ? { search: query.search } : {}),
      limit: Math.min(Math.max(query.limit ?? 100, 1), 1000),
    });
    return { tasks: tasks.map(taskRow), total: this.state.taskCount };
  }

  task(id: string): TaskDetail | null {
    const task = this.state.task(id);
    if (!task) return null;
    const unit = this.facts.unit(id);
    return {
      ...taskRow(task),
      exception: exceptionOf(task),
      traceback: task.traceback,
      eta: task.eta,
      expires: task.expires,
      client: task.client,
      rootId: task.rootId,
      parentId: task.parentId,
      children: task.children,
      exchange: task.exchange,
      routingKey: task.routingKey,
      queue: task.queue,
      terminated: task.terminated,
      timeline: task.history.map((h) => ({
        type: h.type,
        state: h.state,
        timestamp: h.timestamp,
        hostname: h.hostname,
      })),
      workerPid: unit?.pid ?? null,
      executor: this.#executors.get(id) ?? null,
    };
  }

  queues(now: number): QueueRow[] {
    return this.state.queues().map((q) => ({
      name: q.name,
      length: q.length,
      consumers: q.consumers,
      ...this.rates.rates(q.name, now),
      error: q.error,
    }));
  }

  stats(now: number): StatsView {
    const counters = this.state.counters;
    const round = (r: ReturnType<typeof counters.runtimeStats>) => ({
      count: r.count,
      mean: r.mean,
      p50: r.p50,
      p90: r.p90,
      p99: r.p99,
      max: r.max,
    });
    const byName = counters
      .names()
      .map((name) => ({ name, ...round(counters.runtimeStats(name)) }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 20);
    return {
      series: counters.series(now, 120),
      totals: { ...counters.totals },
      byState: this.state.tasksByState(),
      runtime: round(counters.runtimeStats()),
      runtimeByName: byName,
      taskNames: this.state.taskNames(),
    };
  }
}
