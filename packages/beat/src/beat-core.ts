/**
 * What the beat actor's tasks share: the resolved options, the entry table, the current
 * role, and the one place that turns the coordination store's reachability into the
 * actor's health (`degraded` while the broker is away) and into log lines.
 */
import { Health } from '@celeriac/actors';
import type { ActorRef, Clock } from '@celeriac/actors';
import type { Client } from '@celeriac/client';
import type { BeatCoordination } from '@celeriac/protocol';
import type { Tracer } from '@opentelemetry/api';
import type { EntryTable } from './entry-table.js';
import type { Logger } from './logger.js';
import { Wakeup } from './wait.js';

/** The role of a started beat replica. */
export const BeatRole = {
  /** Waiting to become leader; sends nothing. */
  follower: 'follower',
  /** Holds the lease: the one replica that sends. */
  leader: 'leader',
} as const;
/** One of the values of {@link BeatRole}. */
export type BeatRole = (typeof BeatRole)[keyof typeof BeatRole];

/** Timing of leadership, all in ms. */
export interface BeatTiming {
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  readonly pollEveryMs: number;
  readonly retryEveryMs: number;
}

/** The state one beat's actor tasks share. */
export class BeatCore {
  readonly client: Client;
  readonly coordination: BeatCoordination;
  readonly holder: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly #tracer: () => Tracer;
  readonly timing: BeatTiming;
  readonly table: EntryTable;
  readonly ownCoordination: boolean;
  /** Wakes the leader's loop when entries changed through this replica's API. */
  readonly wakeup = new Wakeup();
  /** Set when this replica changed entries: the leader re-reads them before its next runs. */
  entriesChanged = false;
  role: BeatRole | undefined;
  /** The actor running this beat, once its first task ran. */
  actor: ActorRef | undefined;
  #unreachable: string | undefined;

  constructor(init: {
    client: Client;
    coordination: BeatCoordination;
    holder: string;
    clock: Clock;
    logger: Logger;
    tracer: () => Tracer;
    timing: BeatTiming;
    table: EntryTable;
    ownCoordination: boolean;
  }) {
    this.client = init.client;
    this.coordination = init.coordination;
    this.holder = init.holder;
    this.clock = init.clock;
    this.logger = init.logger;
    this.#tracer = init.tracer;
    this.timing = init.timing;
    this.table = init.table;
    this.ownCoordination = init.ownCoordination;
  }

  get namespace(): string {
    return this.coordination.namespace;
  }

  get tracer(): Tracer {
    return this.#tracer();
  }

  /** The store answered: healthy again (logged once per outage). */
  reachable(): void {
    if (this.#unreachable !== undefined) {
      this.#unreachable = undefined;
      this.logger.info(`beat: the ${this.coordination.kind} coordination store is reachable again`);
    }
    this.#health(Health.healthy);
  }

  /** A call to the store failed: degraded (logged once per outage, with its first cause). */
  unreachable(error: unknown): void {
    if (this.#unreachable === undefined) {
      const why = error instanceof Error ? error.message : String(error);
      this.#unreachable = why;
      this.logger.warn(
        `beat: the ${this.coordination.kind} coordination store is unreachable: ${why}`,
        { role: this.role },
      );
    }
    this.#health(Health.degraded);
  }

  #health(health: Health): void {
    const actor = this.actor;
    // Only while running: a paused or stopping actor keeps the health it had.
    if (actor?.health === undefined || actor.health === health) return;
    actor.reportHealth(health);
  }
}
