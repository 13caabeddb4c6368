/**
 * Celery events from this worker: `worker-online`, `worker-heartbeat` every `freq`,
 * `worker-offline`, and `task-*` events (batched as `task.multi` lists, as Celery's async
 * hub does). Published to the `celeryev` exchange (fanout on Redis, topic elsewhere) with
 * header `hostname`, transient delivery. Publishing problems are logged, never thrown.
 */
import { loadavg, type as osType } from 'node:os';
import {
  createEvent,
  encodeEventMessage,
  type EventCommon,
  type Transport,
} from '@celeriac/protocol';
import type { WorkerClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ActorTransitionFields } from './actor-tree.js';

/** Celery task event types the worker sends. */
export const TaskEventType = {
  received: 'task-received',
  started: 'task-started',
  succeeded: 'task-succeeded',
  failed: 'task-failed',
  retried: 'task-retried',
  revoked: 'task-revoked',
  rejected: 'task-rejected',
} as const;
/** One of the values of {@link TaskEventType}. */
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType];

/** Where task events go (the events actor, or nowhere when events are off). */
export interface TaskEventSink {
  /** `false` when task events are dropped: senders may skip building them. */
  readonly enabled: boolean;
  send(type: TaskEventType, fields: Record<string, unknown>): void;
}

/** The sink of a worker without events. */
export const NO_EVENTS: TaskEventSink = { enabled: false, send: () => {} };

/** Software identity reported in worker events. */
export const SOFTWARE = { ident: 'celeriac', version: '0.1.0' } as const;

/** Options of {@link EventDispatcher}. */
export interface EventDispatcherOptions {
  transport: Transport;
  hostname: string;
  clock: WorkerClock;
  logger: Logger;
  exchange: string;
  taskEvents: boolean;
  heartbeatIntervalMs: number;
  batch: boolean;
  /** Tasks finished so far, for heartbeats. */
  processed: () => number;
}

/** Most task events in one `task.multi` message (Celery flushes at 24). */
const MAX_BATCH = 24;
/** Actor transitions kept while the broker is unreachable (the newest). */
const MAX_BACKLOG = 1000;
/** Wait before publishing kept actor transitions again after a failure. */
const BACKLOG_RETRY_MS = 1000;

/** Sends this worker's events. */
export class EventDispatcher implements TaskEventSink {
  readonly #o: EventDispatcherOptions;
  #clock = 0;
  #buffer: EventCommon[] = [];
  #flushScheduled = false;
  #heartbeat: unknown;
  #enabled: boolean;
  #pending = new Set<Promise<void>>();
  #active: () => number = () => 0;
  /** Actor transitions not yet published, oldest first. */
  #backlog: EventCommon[] = [];
  #draining = false;
  #running = false;
  #backlogFailing = false;
  #backlogRetry: unknown;

  constructor(options: EventDispatcherOptions) {
    this.#o = options;
    this.#enabled = options.taskEvents;
  }

  /** The Lamport clock value (for `inspect clock` and replies). */
  get clock(): number {
    return this.#clock;
  }

  /** Advance the Lamport clock; returns the new value. */
  tick(): number {
    return ++this.#clock;
  }

  /** Whether task events are sent now. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Turn task events on or off (`enable_events` / `disable_events`). */
  setTaskEvents(enabled: boolean): void {
    this.#enabled = enabled;
  }

  /**
   * Declare the exchange, send `worker-online`, start heartbeats, which report how many
   * tasks run (`active`).
   */
  async start(active: () => number): Promise<void> {
    this.#active = active;
    const kind = this.#o.transport.kind;
    await this.#o.transport.declareExchange({
      name: this.#o.exchange,
      type: kind === 'redis' ? 'fanout' : 'topic',
      durable: true,
    });
    await this.#publishWorker('worker-online');
    this.#running = true;
    void this.#drain();
    const beat = () => {
      void this.#publishWorker('worker-heartbeat');
      this.#heartbeat = this.#o.clock.setTimeout(beat, this.#o.heartbeatIntervalMs);
    };
    this.#heartbeat = this.#o.clock.setTimeout(beat, this.#o.heartbeatIntervalMs);
  }

  /** Send a heartbeat now (the `heartbeat` control command). */
  heartbeat(): Promise<void> {
    return this.#publishWorker('worker-heartbeat');
  }

  /** Flush task events, stop heartbeats, send `worker-offline`. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#o.clock.clearTimeout(this.#heartbeat);
    this.#o.clock.clearTimeout(this.#backlogRetry);
    this.#flush();
    await Promise.allSettled([...this.#pending]);
    await this.#publishWorker('worker-offline');
  }

  /** Queue a task event. */
  send(type: TaskEventType, fields: Record<string, unknown>): void {
    if (!this.#enabled) return;
    const event = this.#event(type, fields);
    if (!this.#o.batch) {
      void this.#publish(event);
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= MAX_BATCH) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Send an `actor-transition` event (contract 6). Unlike task events, these are kept
   * (the newest 1,000) while the broker cannot be reached and sent in order once it can,
   * so that a monitor learns what the worker went through during an outage.
   */
  sendActorTransition(fields: ActorTransitionFields): void {
    this.#backlog.push(this.#event('actor-transition', { ...fields }));
    if (this.#backlog.length > MAX_BACKLOG) {
      this.#backlog.splice(0, this.#backlog.length - MAX_BACKLOG);
    }
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#draining || !this.#running) return;
    this.#draining = true;
    try {
      while (this.#backlog.length > 0 && this.#running) {
        const { message, routingKey } = encodeEventMessage(this.#backlog[0]!);
        try {
          await this.#o.transport.publish(message, { exchange: this.#o.exchange, routingKey });
        } catch (error) {
          if (!this.#backlogFailing) {
            this.#backlogFailing = true;
            this.#o.logger.warn('Could not publish actor transitions; keeping them to resend', {
              kept: this.#backlog.length,
              error: error instanceof Error ? error.message : String(error),
            });
          }
          this.#backlogRetry = this.#o.clock.setTimeout(() => void this.#drain(), BACKLOG_RETRY_MS);
          return;
        }
        this.#backlogFailing = false;
        this.#backlog.shift();
      }
    } finally {
      this.#draining = false;
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    void this.#publish(batch);
  }

  #event(type: string, fields: Record<string, unknown>): EventCommon {
    return createEvent(type, fields, {
      hostname: this.#o.hostname,
      pid: process.pid,
      clock: this.tick(),
      timestamp: this.#o.clock.now() / 1000,
    });
  }

  #publishWorker(type: 'worker-online' | 'worker-heartbeat' | 'worker-offline'): Promise<void> {
    return this.#publish(
      this.#event(type, {
        freq: this.#o.heartbeatIntervalMs / 1000,
        active: this.#active(),
        processed: this.#o.processed(),
        loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
        sw_ident: SOFTWARE.ident,
        sw_ver: SOFTWARE.version,
        sw_sys: osType(),
      }),
    );
  }

  #publish(events: EventCommon | EventCommon[]): Promise<void> {
    const { message, routingKey } = encodeEventMessage(events);
    const p = this.#o.transport
      .publish(message, { exchange: this.#o.exchange, routingKey })
      .catch((error: unknown) => {
        this.#o.logger.warn('Could not publish an event', {
          routingKey,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }
}
