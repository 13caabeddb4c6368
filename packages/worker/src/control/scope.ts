/**
 * What remote-control commands reach: the worker's parts they read (`inspect`) or change
 * (`control`), passed explicitly.
 */
import type { ControlAuthorizer, MessageSubscription, Transport } from '@celeriac/protocol';
import type { WorkerClock } from '../clock.js';
import type { TaskConsumer } from '../lifecycle/consumer.js';
import type { Logger } from '../logger.js';
import type { Intake } from '../pipeline/intake.js';
import type { LimitedSet } from '../pipeline/limited-set.js';
import type { WorkerStats } from '../pipeline/stats.js';
import type { TaskRegistry } from '../pipeline/task-registry.js';
import type { Pool } from '../pool/pool.js';
import type { TaskOptions } from '../task-options.js';
import type { ActorWatch } from './actor-tree.js';
import type { EventDispatcher } from './events.js';

/** The parts of a worker commands use. */
export interface ControlScope {
  readonly hostname: string;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly registry: TaskRegistry;
  readonly revoked: LimitedSet;
  readonly stats: WorkerStats;
  readonly intake: Intake;
  readonly pool: Pool;
  readonly consumer: TaskConsumer;
  readonly events: EventDispatcher | null;
  /** App-wide task defaults (`inspect stats` shows their time limits). */
  readonly taskDefaults: TaskOptions;
  /** Which requests run: changing commands need a signature (or `allowUnsigned`). */
  readonly authorizer: ControlAuthorizer;
  /** The worker's actor tree (`inspect actor_tree`). */
  readonly actors: ActorWatch;
  /** The app's event and document subscriptions (`inspect subscriptions`), read live. */
  readonly subscriptions: Iterable<MessageSubscription>;
  /** Ask the worker to stop (warm), as the `shutdown` command does. */
  readonly shutdown: () => void;
}

/** Returned by commands that send no reply at all (`shutdown`, `hello` to oneself). */
export const NO_REPLY: unique symbol = Symbol('no reply');

/** A command: keyword arguments in, reply value (or a promise of it) out. */
export type ControlCommand = (scope: ControlScope, args: Record<string, unknown>) => unknown;

/** Task ids from a command argument (one id or a list). */
export function ids(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}
