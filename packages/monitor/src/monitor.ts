/**
 * `createMonitor`: the event receiver feeding a cluster state, plus what events alone do
 * not tell — asked through the control client: at start a `heartbeat` broadcast (as
 * `celery events` does, so every worker shows up at once), then, for each worker that
 * comes online, its consumed queues (`active_queues`) and, for celeriac workers, its
 * actor tree (`actor_tree`). It also reads the watched queues' lengths through the
 * transport and expires silent workers by Celery's rule. What the CLI's `events`, the
 * metrics and the dashboard read.
 */
import { createControl, isErrorReply, type Control } from '@celeriac/client';
import type { ActorTreeReply, QueueInfo } from '@celeriac/client';
import type { Transport } from '@celeriac/protocol';
import { ClusterState, type ClusterStateOptions } from './cluster-state.js';
import { WorkerChange, type StateChange } from './state-change.js';
import { InvalidStateError } from './errors.js';
import {
  createEventReceiver,
  type EventReceiver,
  type EventReceiverOptions,
} from './event-receiver.js';
import { consoleLogger, type MonitorLogger } from './monitor-logger.js';
import { WorkerKind } from './worker-record.js';

/** Lifecycle of a monitor. */
export const MonitorState = {
  idle: 'idle',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
} as const;
/** One of the values of {@link MonitorState}. */
export type MonitorState = (typeof MonitorState)[keyof typeof MonitorState];

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** The broker connection; never closed by the monitor. */
  transport: Transport;
  /** The control client to ask workers with; default one on `transport`, closed on stop. */
  control?: Control;
  /** Options of the cluster state (bounds, counters). */
  state?: Omit<ClusterStateOptions, 'now' | 'logger'>;
  /** Options of the event receiver (exchange, routing key, queue prefix). */
  receiver?: Omit<EventReceiverOptions, 'transport' | 'logger' | 'now'>;
  /** Queues to watch besides those the workers consume. */
  queues?: readonly string[];
  /** Read watched queues' lengths this often (ms); default 5,000; `false` never. */
  queuePollMs?: number | false;
  /** Look for expired heartbeats this often (ms); default 1,000. */
  livenessCheckMs?: number;
  /** Ask workers (heartbeat, queues, actor trees) at start and as they appear; default true. */
  askWorkers?: boolean;
  /** How long to wait for workers' replies (ms); default 1,000. */
  replyTimeoutMs?: number;
  /** Reports what the monitor does not throw; default `console.warn`. */
  logger?: MonitorLogger;
  /** The clock, in ms; default `Date.now`. */
  now?: () => number;
}

/** A running view of the cluster. `AsyncDisposable`. */
export interface Monitor extends AsyncDisposable {
  readonly status: MonitorState;
  /** The cluster state it keeps current: query it, subscribe to it. */
  readonly state: ClusterState;
  readonly receiver: EventReceiver;
  readonly control: Control;
  /** Start receiving and asking. Only from `idle`. */
  start(): Promise<void>;
  /** Ask again for the queues and actor trees of one worker (default: all online). */
  refresh(hostname?: string): Promise<void>;
  /** Stop everything it started (not the transport). Idempotent. */
  stop(): Promise<void>;
}

class CeleriacMonitor implements Monitor {
  readonly state: ClusterState;
  readonly receiver: EventReceiver;
  readonly control: Control;
  #status: MonitorState = MonitorState.idle;
  #stopping: Promise<void> | undefined;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #o: MonitorOptions & { logger: MonitorLogger; now: () => number };
  readonly #ownControl: boolean;
  #polling = false;
  /** Workers that answered `active_queues` (and `actor_tree`), or are being asked now. */
  readonly #answered = new Set<string>();
  readonly #asking = new Set<string>();
  /** Unanswered asks per worker; a worker with remote control off is left alone after 5. */
  readonly #attempts = new Map<string, number>();

  constructor(options: MonitorOptions) {
    const logger = options.logger ?? consoleLogger;
    const now = options.now ?? Date.now;
    this.#o = { ...options, logger, now };
    this.state = new ClusterState({ ...options.state, now, logger });
    this.receiver = createEventReceiver({
      ...options.receiver,
      transport: options.transport,
      logger,
      now,
    });
    this.#ownControl = options.control === undefined;
    this.control = options.control ?? createControl({ transport: options.transport });
    for (const queue of options.queues ?? []) this.state.watchQueue(queue);
  }

  get status(): MonitorState {
    return this.#status;
  }

  async start(): Promise<void> {
    if (this.#status !== MonitorState.idle)
      throw new InvalidStateError('monitor', 'start', this.#status);
    this.#status = MonitorState.starting;
    this.#unsubscribe.push(this.receiver.subscribe((events) => this.state.apply(events)));
    if (this.#o.askWorkers !== false) {
      this.#unsubscribe.push(this.state.subscribe((changes) => this.#onChanges(changes)));
    }
    try {
      await this.receiver.start();
    } catch (error) {
      this.#status = MonitorState.stopped;
      for (const off of this.#unsubscribe.splice(0)) off();
      throw error;
    }
    this.#every(this.#o.livenessCheckMs ?? 1000, () => void this.state.checkLiveness());
    const poll = this.#o.queuePollMs ?? 5000;
    if (poll !== false) this.#every(poll, () => this.#track(this.#pollQueues()));
    this.#status = MonitorState.running;
    if (this.#o.askWorkers !== false) {
      // As `celery events`: every worker sends a heartbeat now instead of within 2 s.
      this.#track(this.#ask('heartbeat', () => this.control.heartbeat()));
      this.#track(this.refresh());
    }
    if (poll !== false) this.#track(this.#pollQueues());
  }

  async refresh(hostname?: string): Promise<void> {
    const timeoutMs = this.#o.replyTimeoutMs ?? 1000;
    const inspect = this.control.inspect({
      timeoutMs,
      ...(hostname === undefined ? {} : { destination: [hostname] }),
    });
    await this.#ask('active_queues', async () => {
      const replies = await inspect.activeQueues();
      for (const [node, queues] of Object.entries(replies)) {
        this.#answered.add(node);
        if (isErrorReply(queues) || !Array.isArray(queues)) continue;
        const names = queues.map((q: QueueInfo) => q.name);
        for (const name of names) this.state.watchQueue(name);
        this.state.setConsumedQueues(node, names);
      }
    });
    const celeriac = this.state
      .workers()
      .filter(
        (w) => w.kind !== WorkerKind.python && (hostname === undefined || w.hostname === hostname),
      )
      .map((w) => w.hostname);
    if (celeriac.length === 0 && hostname === undefined) return;
    await this.#ask('actor_tree', async () => {
      const trees = await this.control
        .inspect({ timeoutMs, destination: hostname === undefined ? celeriac : [hostname] })
        .actorTree();
      for (const [node, reply] of Object.entries(trees)) {
        // Python workers (and celeriac workers without the command) answer an error.
        if (isErrorReply(reply)) continue;
        const root = (reply as ActorTreeReply | null)?.root;
        if (root) this.state.setActorTree(node, root);
      }
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#status === MonitorState.idle) {
        this.#status = MonitorState.stopped;
        return;
      }
      this.#status = MonitorState.stopping;
      for (const timer of this.#timers.splice(0)) clearInterval(timer);
      for (const off of this.#unsubscribe.splice(0)) off();
      try {
        await this.receiver.stop();
        await Promise.allSettled([...this.#pending]);
        if (this.#ownControl) await this.control.close();
      } finally {
        this.#status = MonitorState.stopped;
      }
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #onChanges(changes: readonly StateChange[]): void {
    if (this.#status !== MonitorState.running) return;
    for (const change of changes) {
      if (change.kind !== 'worker') continue;
      const node = change.worker.hostname;
      const back = change.change === WorkerChange.online;
      // A worker's first events can come before its mailbox answers: ask again at each
      // heartbeat until it has answered once; ask again whenever it comes back.
      if (back) {
        this.#answered.delete(node);
        this.#attempts.delete(node);
      }
      if (!change.worker.online || this.#answered.has(node) || this.#asking.has(node)) continue;
      const attempts = this.#attempts.get(node) ?? 0;
      if (attempts >= 5) continue;
      this.#attempts.set(node, attempts + 1);
      this.#asking.add(node);
      this.#track(this.refresh(node).finally(() => this.#asking.delete(node)));
    }
  }

  #every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Keep `promise` until it settles, so `stop()` can wait for it; it never rejects. */
  #track(promise: Promise<void>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  /** Run an ask; a failure (broker down, closed) is reported, not thrown. */
  async #ask(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (this.#status === MonitorState.stopping || this.#status === MonitorState.stopped) return;
      this.#o.logger.warn(`Could not ask the workers (${what})`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #pollQueues(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const { name } of this.state.queues()) {
        if (this.#status !== MonitorState.running) return;
        try {
          this.state.setQueueLength(name, await this.#o.transport.queueLength(name));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.state.setQueueLength(name, null, message);
        }
      }
    } finally {
      this.#polling = false;
    }
  }
}

/**
 * Create a monitor.
 *
 * @example
 * ```ts
 * await using monitor = createMonitor({ transport });
 * monitor.state.subscribe((changes) => {
 *   for (const c of changes) if (c.kind === 'task') console.log(c.task.id, c.task.state);
 * });
 * await monitor.start();
 * ```
 */
export function createMonitor(options: MonitorOptions): Monitor {
  return new CeleriacMonitor(options);
}
