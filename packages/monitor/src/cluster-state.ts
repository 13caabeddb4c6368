/**
 * The in-memory cluster state, Celery's `celery.events.state.State` for TypeScript: fed
 * received events, it keeps workers (online by Celery's heartbeat rule, offline ones
 * kept), tasks (merged as Celery does, bounded to the most recent `maxTasks`, 10,000 by
 * default as Celery's), celeriac actor trees, watched queues and counters. Every batch of
 * events becomes a list of {@link StateChange}s for subscribers (a live UI), returned
 * too. Python and celeriac workers alike; nothing here does I/O.
 */
import type { ActorNode } from '@celeriac/client';
import { ACTOR_TRANSITION, actorTransitionOf, applyActorTransition } from './actor-tree.js';
import { Counters, CountedEvent, type CountersOptions } from './counters.js';
import type { ReceivedEvent } from './event-receiver.js';
import { consoleLogger, type MonitorLogger } from './monitor-logger.js';
import {
  applyTaskEvent,
  newTask,
  type Intern,
  type TaskInfo,
  type TaskRecord,
} from './task-record.js';
import { WorkerChange, type StateChange, type WatchedQueue } from './state-change.js';
import { queryTasks, type TaskFilter } from './task-query.js';
import { WatchedQueues } from './watched-queues.js';
import {
  ACTOR_TRANSITIONS_KEPT,
  applyWorkerEvent,
  heardFrom,
  isAlive,
  newWorker,
  type WorkerInfo,
  type WorkerRecord,
} from './worker-record.js';

/** Options of {@link ClusterState}. */
export interface ClusterStateOptions {
  /** Tasks kept, the oldest first seen forgotten first; default 10,000 (Celery's). */
  maxTasks?: number;
  /** Workers kept, offline ones forgotten first; default 5,000 (Celery's). */
  maxWorkers?: number;
  counters?: CountersOptions;
  /** The clock for liveness and counters, in ms; default `Date.now`. */
  now?: () => number;
  /** Reports a subscriber that threw; default `console.warn`. */
  logger?: MonitorLogger;
}

type Listener = (changes: readonly StateChange[]) => void;

/** Distinct strings shared before the table starts over (it only saves copies). */
const INTERNED_MAX = 10_000;

/** The cluster as seen through its events. */
export class ClusterState {
  readonly counters: Counters;
  readonly #workers = new Map<string, WorkerRecord>();
  readonly #tasks = new Map<string, TaskRecord>();
  /** Children seen before their parent: parent id → child ids. */
  readonly #orphans = new Map<string, string[]>();
  readonly #queues = new WatchedQueues();
  readonly #taskNames = new Set<string>();
  /** One copy of each hostname, task name, event type and queue the tasks hold. */
  readonly #strings = new Map<string, string>();
  #listeners: readonly Listener[] = [];
  #eventCount = 0;
  readonly #maxTasks: number;
  readonly #maxWorkers: number;
  readonly #now: () => number;
  readonly #logger: MonitorLogger;

  constructor(options: ClusterStateOptions = {}) {
    this.#maxTasks = options.maxTasks ?? 10_000;
    this.#maxWorkers = options.maxWorkers ?? 5_000;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? consoleLogger;
    this.counters = new Counters(options.counters);
  }

  /** Events applied so far. */
  get eventCount(): number {
    return this.#eventCount;
  }

  /** Call `listener` with the changes of each batch applied; returns the unsubscriber. */
  subscribe(listener: Listener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Apply a batch of received events; subscribers get (and this returns) the changes. */
  apply(events: readonly ReceivedEvent[]): StateChange[] {
    const changes: StateChange[] = [];
    for (const event of events) this.#apply(event, changes);
    return this.#emit(changes);
  }

  /**
   * Mark online workers whose heartbeat expired (Celery's rule) offline. Run it every
   * second or so (the monitor does); returns the `expired` changes.
   */
  checkLiveness(): StateChange[] {
    const now = this.#now() / 1000;
    const changes: StateChange[] = [];
    for (const worker of this.#workers.values()) {
      if (worker.online && !isAlive(worker, now)) {
        worker.online = false;
        worker.offlineSince = now;
        changes.push({ kind: 'worker', change: WorkerChange.expired, worker });
      }
    }
    return this.#emit(changes);
  }

  /** Replace a worker's actor tree (from `inspect actor_tree`). */
  setActorTree(hostname: string, root: ActorNode): StateChange[] {
    const worker = this.#worker(hostname, this.#now() / 1000);
    worker.actorTree = root;
    return this.#emit([{ kind: 'actors', worker, transition: null }]);
  }

  /** Record which queues a worker consumes (from `inspect active_queues`). */
  setConsumedQueues(hostname: string, queues: readonly string[]): StateChange[] {
    return this.#emit(this.#queues.setConsumers(hostname, queues));
  }

  /** Watch a queue (its length is read by the monitor's poller). */
  watchQueue(name: string): void {
    this.#queues.watch(name);
  }

  /** Record a queue's length, or why it could not be read. */
  setQueueLength(name: string, length: number | null, error: string | null = null): StateChange[] {
    return this.#emit(this.#queues.setLength(name, length, error, this.#now() / 1000));
  }

  worker(hostname: string): WorkerInfo | undefined {
    return this.#workers.get(hostname);
  }

  /** Every known worker, online and offline, by name. */
  workers(): WorkerInfo[] {
    return [...this.#workers.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  task(id: string): TaskInfo | undefined {
    return this.#tasks.get(id);
  }

  /** Tasks, most recently first seen first, filtered (default limit 100). */
  tasks(filter: TaskFilter = {}): TaskInfo[] {
    return queryTasks(this.#tasks, filter);
  }

  /** How many tasks are kept now. */
  get taskCount(): number {
    return this.#tasks.size;
  }

  /** Task names seen, sorted. */
  taskNames(): string[] {
    return [...this.#taskNames].sort();
  }

  /** Kept tasks by state. */
  tasksByState(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const task of this.#tasks.values()) out[task.state] = (out[task.state] ?? 0) + 1;
    return out;
  }

  /** Watched queues, by name. */
  queues(): WatchedQueue[] {
    return this.#queues.list();
  }

  #emit(changes: StateChange[]): StateChange[] {
    if (changes.length === 0) return changes;
    for (const listener of this.#listeners) {
      try {
        listener(changes);
      } catch (error) {
        this.#logger.warn('A cluster state subscriber threw', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return changes;
  }

  #apply(event: ReceivedEvent, changes: StateChange[]): void {
    this.#eventCount += 1;
    const type = event.type;
    if (type.startsWith('task-')) this.#taskEvent(type.slice(5), event, changes);
    else if (type.startsWith('worker-')) this.#workerEvent(type.slice(7), event, changes);
    else if (type === ACTOR_TRANSITION) this.#actorEvent(event, changes);
  }

  #workerEvent(subject: string, event: ReceivedEvent, changes: StateChange[]): void {
    if (subject !== 'online' && subject !== 'heartbeat' && subject !== 'offline') return;
    const worker = this.#worker(event.hostname, event.local_received);
    const wasOnline = worker.online;
    applyWorkerEvent(worker, subject, event);
    if (subject === 'offline') {
      worker.online = false;
      worker.offlineSince = event.local_received;
      changes.push({ kind: 'worker', change: WorkerChange.offline, worker });
      return;
    }
    worker.online = isAlive(worker, this.#now() / 1000);
    if (worker.online) worker.offlineSince = null;
    const change = worker.online && !wasOnline ? WorkerChange.online : WorkerChange.heartbeat;
    changes.push({ kind: 'worker', change, worker });
  }

  #taskEvent(subject: string, event: ReceivedEvent, changes: StateChange[]): void {
    const id = (event as Record<string, unknown>)['uuid'];
    if (typeof id !== 'string' || id === '') return;
    let task = this.#tasks.get(id);
    const created = task === undefined;
    if (!task) {
      task = newTask(id);
      this.#tasks.set(id, task);
      this.#evictTasks();
      const orphans = this.#orphans.get(id);
      if (orphans) {
        task.children.push(...orphans);
        this.#orphans.delete(id);
      }
    }
    if (subject === 'sent') task.client = this.#intern(event.hostname);
    else this.#taskFromWorker(task, subject, event, changes);
    const hadParent = task.parentId;
    const stateChanged = applyTaskEvent(task, subject, event, this.#intern);
    if (task.name !== null) this.#taskNames.add(task.name);
    if (task.parentId !== null && task.parentId !== hadParent) this.#adopt(task);
    this.#count(task, subject, event);
    changes.push({ kind: 'task', task, event, created, stateChanged });
  }

  #taskFromWorker(task: TaskRecord, subject: string, event: ReceivedEvent, changes: StateChange[]) {
    // Any event from a worker proves it alive (Celery's State does the same).
    const worker = this.#worker(event.hostname, event.local_received);
    task.worker = this.#intern(worker.hostname);
    const wasOnline = worker.online;
    heardFrom(worker, event.local_received);
    worker.online = isAlive(worker, this.#now() / 1000);
    if (worker.online && !wasOnline) {
      worker.offlineSince = null;
      changes.push({ kind: 'worker', change: WorkerChange.online, worker });
    }
    if (subject === 'succeeded') worker.succeeded += 1;
    else if (subject === 'failed') worker.failed += 1;
  }

  #count(task: TaskRecord, subject: string, event: ReceivedEvent): void {
    if (subject in CountedEvent) this.counters.count(subject as CountedEvent, event.local_received);
    const runtime = (event as Record<string, unknown>)['runtime'];
    if (subject === 'succeeded' && typeof runtime === 'number') {
      this.counters.runtime(task.name, runtime);
    }
  }

  #adopt(task: TaskRecord): void {
    const parentId = task.parentId!;
    const parent = this.#tasks.get(parentId);
    if (parent) {
      if (!parent.children.includes(task.id)) parent.children.push(task.id);
      return;
    }
    const waiting = this.#orphans.get(parentId) ?? [];
    if (!waiting.includes(task.id)) waiting.push(task.id);
    this.#orphans.set(parentId, waiting);
    if (this.#orphans.size > this.#maxTasks) {
      this.#orphans.delete(this.#orphans.keys().next().value!);
    }
  }

  #actorEvent(event: ReceivedEvent, changes: StateChange[]): void {
    const transition = actorTransitionOf(event);
    if (!transition) return;
    const worker = this.#worker(event.hostname, event.local_received);
    worker.actorTransitions.push(transition);
    if (worker.actorTransitions.length > ACTOR_TRANSITIONS_KEPT) worker.actorTransitions.shift();
    applyActorTransition(worker.actorTree, transition);
    changes.push({ kind: 'actors', worker, transition });
  }

  readonly #intern: Intern = (text) => {
    const known = this.#strings.get(text);
    if (known !== undefined) return known;
    if (this.#strings.size >= INTERNED_MAX) this.#strings.clear();
    this.#strings.set(text, text);
    return text;
  };

  #worker(hostname: string, now: number): WorkerRecord {
    let worker = this.#workers.get(hostname);
    if (!worker) {
      worker = newWorker(hostname, now);
      this.#workers.set(hostname, worker);
      if (this.#workers.size > this.#maxWorkers) this.#evictWorker(hostname);
    }
    return worker;
  }

  #evictWorker(keep: string): void {
    let victim: string | undefined;
    for (const [name, worker] of this.#workers) {
      if (name === keep) continue;
      victim ??= name;
      if (!worker.online) {
        victim = name;
        break;
      }
    }
    if (victim !== undefined) this.#workers.delete(victim);
  }

  #evictTasks(): void {
    while (this.#tasks.size > this.#maxTasks) {
      this.#tasks.delete(this.#tasks.keys().next().value!);
    }
  }
}
