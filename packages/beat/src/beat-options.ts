/**
 * Options of `createBeat`, their defaults, and the checks that refuse nonsense before
 * anything runs.
 */
import type { ActorRef, ActorSystem, Clock } from '@celeriac/actors';
import type { Client } from '@celeriac/client';
import type { BeatCoordination } from '@celeriac/protocol';
import type { Tracer } from '@opentelemetry/api';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { BeatTiming } from './beat-core.js';
import type { BeatSchedule, CatchUp } from './entry.js';
import { BeatConfigError } from './errors.js';
import type { Logger } from './logger.js';

/** Default lease: a leader that dies is replaced within about this long (plus a poll). */
export const DEFAULT_LEASE_MS = 10_000;

/** Options of `createBeat`. */
export interface BeatOptions {
  /** Sends the runs (plain Celery task messages). Not closed by the beat. */
  readonly client: Client;
  /** Where replicas coordinate: `@celeriac/memory`'s, Redis', RabbitMQ's. */
  readonly coordination: BeatCoordination;
  /** Close `coordination` when the beat stops; default false (the caller owns it). */
  readonly ownCoordination?: boolean;
  /** The entries declared in code (Celery's `beat_schedule`). */
  readonly schedule?: BeatSchedule;
  /** IANA timezone of crontabs, cron strings and offset-less dates (Celery's `timezone`); default `UTC`. */
  readonly timezone?: string;
  /** Default `catchUp` of entries that do not say; default `once` (Celery's behaviour). */
  readonly catchUp?: CatchUp;
  /**
   * Lease length in ms (default 10,000): a leader that stops renewing (killed, hung, cut
   * off) is replaced after at most `leaseMs + pollEveryMs`.
   */
  readonly leaseMs?: number;
  /** How often the leader renews, in ms; default a third of `leaseMs`. Less than `leaseMs`. */
  readonly renewEveryMs?: number;
  /** How often a follower asks for the lease, in ms; default a third of `leaseMs`. */
  readonly pollEveryMs?: number;
  /** Retry delay after the store failed or a send failed for a passing reason; default 1,000 ms. */
  readonly retryEveryMs?: number;
  /** This replica's unique name; default `beat@<host>:<pid>:<random>`. */
  readonly holder?: string;
  /**
   * Time: `now()` is read as ms since the Unix epoch (the real clock's is). Tests pass a
   * `SimulatedClock` started at a date. Default: the actor system's clock, else real time.
   */
  readonly clock?: Clock;
  /** Run inside this actor system (a worker's); default a system of the beat's own. */
  readonly system?: ActorSystem;
  /** Parent in the actor tree, when `system` is given. */
  readonly parent?: ActorRef;
  /** Actor id; default `beat`. */
  readonly id?: string;
  /** Default: one line per event on the console. */
  readonly logger?: Logger;
  /** Tracer of beat's spans; default the global provider's `@celeriac/beat`. */
  readonly tracer?: Tracer;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new BeatConfigError(`${name} must be a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/** The timing an options object asks for, checked. */
export function timingOf(options: BeatOptions): BeatTiming {
  const leaseMs = positive('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS);
  const renewEveryMs = positive('renewEveryMs', options.renewEveryMs ?? leaseMs / 3);
  if (renewEveryMs >= leaseMs) {
    throw new BeatConfigError(
      `renewEveryMs (${renewEveryMs}) must be less than leaseMs (${leaseMs}), or the lease lapses between renewals`,
    );
  }
  const pollEveryMs = positive('pollEveryMs', options.pollEveryMs ?? leaseMs / 3);
  const retryEveryMs = positive(
    'retryEveryMs',
    options.retryEveryMs ?? Math.min(1_000, renewEveryMs),
  );
  return { leaseMs, renewEveryMs, pollEveryMs, retryEveryMs };
}

/** A holder name unique to this replica. */
export function defaultHolder(): string {
  return `beat@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
