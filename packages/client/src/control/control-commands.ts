/**
 * The remote-control command names (Celery 5.2's `celery/worker/control.py`, plus
 * celeriac's `actor_tree`): the read-only inspect commands, and the commands that change
 * a worker — the ones issue 17's control key will have to sign.
 */

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

// `heartbeat` only makes the worker send an event now (monitors ask for it at start, as
// `celery events` does); `hello` is mingle's exchange of revoked ids.
const READ_ONLY: ReadonlySet<string> = new Set([
  ...Object.values(InspectCommand),
  'heartbeat',
  'hello',
]);

/**
 * Whether `method` changes a worker (issue 17: such requests must be signed). Anything
 * not known to be read-only counts as changing, so a command added later is signed (and
 * refused unsigned) by default.
 */
export function isChangingCommand(method: string): boolean {
  return !READ_ONLY.has(method);
}
