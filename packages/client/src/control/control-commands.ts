/**
 * The remote-control command names (Celery 5.2's `celery/worker/control.py`, plus
 * celeriac's `actor_tree` and `subscriptions`): the read-only inspect commands, and the commands that change
 * a worker. Which of them need the control key is decided in one place,
 * `@celeriac/protocol`'s `controlCommandKind`: see {@link isChangingCommand}.
 */
import { ControlCommandKind, controlCommandKind } from '@celeriac/protocol';

/** Read-only commands: `celery inspect <name>`. */
export const InspectCommand = {
  ping: 'ping',
  stats: 'stats',
  active: 'active',
  reserved: 'reserved',
  scheduled: 'scheduled',
  registered: 'registered',
  activeQueues: 'active_queues',
  revoked: 'revoked',
  queryTask: 'query_task',
  conf: 'conf',
  report: 'report',
  clock: 'clock',
  memsample: 'memsample',
  memdump: 'memdump',
  objgraph: 'objgraph',
  /** celeriac workers only: the supervision tree (Python answers `KeyError`). */
  actorTree: 'actor_tree',
  /** celeriac workers only: the app's event and document subscriptions. */
  subscriptions: 'subscriptions',
} as const;
/** One of the values of {@link InspectCommand}. */
export type InspectCommand = (typeof InspectCommand)[keyof typeof InspectCommand];

/** Commands that change a worker: `celery control <name>`. */
export const ControlCommand = {
  revoke: 'revoke',
  terminate: 'terminate',
  rateLimit: 'rate_limit',
  timeLimit: 'time_limit',
  shutdown: 'shutdown',
  poolGrow: 'pool_grow',
  poolShrink: 'pool_shrink',
  poolRestart: 'pool_restart',
  autoscale: 'autoscale',
  addConsumer: 'add_consumer',
  cancelConsumer: 'cancel_consumer',
  enableEvents: 'enable_events',
  disableEvents: 'disable_events',
  heartbeat: 'heartbeat',
} as const;
/** One of the values of {@link ControlCommand}. */
export type ControlCommand = (typeof ControlCommand)[keyof typeof ControlCommand];

/**
 * Whether `method` changes a worker, so needs the cluster's control key: the protocol's
 * {@link controlCommandKind}, the one list (an allowlist of read-only commands; anything
 * else, unknown commands included, is changing). `heartbeat` is read-only; mingle's
 * `hello` is changing (it carries revoked ids the receiver merges).
 */
export function isChangingCommand(method: string): boolean {
  return controlCommandKind(method) === ControlCommandKind.changing;
}
