/**
 * The live stream's fan-out. Each open page subscribes to what it shows (the workers
 * list, one worker, the task list with a filter, one task, queues, stats). Changes from
 * the monitor only mark things dirty; every `intervalMs` each page gets the current
 * view of what is dirty for it, recomputed — so 1,000 tasks/s cost a handful of
 * messages a second per page, a page that reads slowly skips updates instead of
 * queueing them (nothing grows with the event rate), and a page never needs to merge
 * partial updates. Stats go out once a second.
 */
import type { StateChange } from '@celeriac/monitor';
import type { DashboardInfo, LiveMessage, TaskListQuery } from './api-types.js';
import type { ClusterView } from './cluster-view.js';

/** What one page wants. */
export interface LiveSubscription {
  workers: boolean;
  queues: boolean;
  stats: boolean;
  /** The task list and its filter; null for none. */
  tasks: TaskListQuery | null;
  /** One task's page. */
  task: string | null;
  /** One worker's page. */
  worker: string | null;
}

/** Sends one message to a page; resolves when written. */
export type LiveSend = (message: LiveMessage) => Promise<void>;

interface Dirty {
  workers: boolean;
  queues: boolean;
  tasks: boolean;
  taskIds: Set<string>;
  nodes: Set<string>;
  stats: boolean;
  broker: boolean;
}

function clean(): Dirty {
  return {
    workers: false,
    queues: false,
    tasks: false,
    taskIds: new Set(),
    nodes: new Set(),
    stats: false,
    broker: false,
  };
}

interface Client {
  readonly subscription: LiveSubscription;
  readonly send: LiveSend;
  readonly dirty: Dirty;
  busy: boolean;
  ended: () => void;
}

/** Pages connected to the live stream. */
export class LiveHub {
  readonly #clients = new Set<Client>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastStats = 0;
  #broker: { connected: boolean; error: string | null } = { connected: true, error: null };

  constructor(
    private readonly view: ClusterView,
    private readonly info: () => DashboardInfo,
    private readonly now: () => number,
    private readonly intervalMs: number,
  ) {}

  /** Pages connected now. */
  get size(): number {
    return this.#clients.size;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  /** Mark what `changes` touch as dirty for every page. */
  observe(changes: readonly StateChange[]): void {
    for (const client of this.#clients) {
      const dirty = client.dirty;
      for (const change of changes) {
        if (change.kind === 'task') {
          dirty.tasks = true;
          dirty.taskIds.add(change.task.id);
        } else if (change.kind === 'queue') {
          dirty.queues = true;
        } else {
          dirty.workers = true;
          dirty.nodes.add(change.worker.hostname);
        }
      }
    }
  }

  /** Pools or running tasks changed: every worker view is dirty. */
  factsChanged(): void {
    for (const client of this.#clients) {
      client.dirty.workers = true;
      if (client.subscription.worker !== null) client.dirty.nodes.add(client.subscription.worker);
    }
  }

  /** The dashboard's own broker connection went up or down. */
  broker(connected: boolean, error: string | null): void {
    this.#broker = { connected, error };
    for (const client of this.#clients) client.dirty.broker = true;
  }

  /**
   * Connect a page: it gets `hello` and everything it subscribed to at once, then what
   * changes. Resolves when the page leaves or the hub closes.
   */
  async serve(subscription: LiveSubscription, send: LiveSend): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const dirty = clean();
      Object.assign(dirty, {
        workers: subscription.workers,
        queues: subscription.queues,
        tasks: subscription.tasks !== null,
        stats: subscription.stats,
        broker: true,
      });
      if (subscription.task !== null) dirty.taskIds.add(subscription.task);
      if (subscription.worker !== null) dirty.nodes.add(subscription.worker);
      const client: Client = { subscription, send, dirty, busy: false, ended: resolve };
      this.#clients.add(client);
      void this.#write(client, [{ type: 'hello', now: this.#seconds(), info: this.info() }]);
      this.#flush(client);
    });
    return done;
  }

  /** Stop a page's stream (the page left). */
  leave(send: LiveSend): void {
    for (const client of this.#clients) {
      if (client.send !== send) continue;
      this.#clients.delete(client);
      client.ended();
    }
  }

  /** End every stream and the timer. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const client of this.#clients) client.ended();
    this.#clients.clear();
  }

  #seconds(): number {
    return this.now() / 1000;
  }

  #tick(): void {
    const now = this.now();
    const statsDue = now - this.#lastStats >= 1000;
    if (statsDue) this.#lastStats = now;
    for (const client of this.#clients) {
      if (statsDue && client.subscription.stats) client.dirty.stats = true;
      if (statsDue && client.subscription.queues) client.dirty.queues = true;
      this.#flush(client);
    }
  }

  /** Send what is dirty for `client`, unless a write is still in flight (then later). */
  #flush(client: Client): void {
    if (client.busy) return;
    const { subscription: sub, dirty } = client;
    const now = this.#seconds();
    const out: LiveMessage[] = [];
    if (dirty.broker) out.push({ type: 'broker', now, ...this.#broker });
    if (dirty.workers && sub.workers) {
      out.push({ type: 'workers', now, workers: this.view.workers() });
    }
    if (sub.worker !== null && dirty.nodes.has(sub.worker)) {
      out.push({ type: 'worker', now, hostname: sub.worker, detail: this.view.worker(sub.worker) });
    }
    if (sub.tasks !== null && dirty.tasks) {
      out.push({ type: 'tasks', now, ...this.view.tasks(sub.tasks) });
    }
    if (sub.task !== null && dirty.taskIds.has(sub.task)) {
      out.push({ type: 'task', now, id: sub.task, task: this.view.task(sub.task) });
    }
    if (sub.queues && dirty.queues)
      out.push({ type: 'queues', now, queues: this.view.queues(now) });
    if (sub.stats && dirty.stats) out.push({ type: 'stats', now, stats: this.view.stats(now) });
    Object.assign(dirty, clean());
    if (out.length > 0) void this.#write(client, out);
  }

  async #write(client: Client, messages: readonly LiveMessage[]): Promise<void> {
    client.busy = true;
    try {
      for (const message of messages) await client.send(message);
    } catch {
      // The page went away mid-write: its stream ends it.
      this.#clients.delete(client);
      client.ended();
    } finally {
      client.busy = false;
    }
  }
}
