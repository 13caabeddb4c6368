/**
 * Which remote-control commands change a worker, and so need the cluster's control key.
 *
 * The rule is an allowlist: the read-only `inspect` commands below (and `ping`) are
 * answered for anyone who can reach the broker; every other command — the `control`
 * commands of Celery 5.2 (`celery/worker/control.py`) and any command added later or
 * unknown — counts as changing. A new command is therefore protected until someone
 * decides it is harmless and adds it here.
 *
 * `hello` is one of Celery's `inspect` commands, but not read-only: the receiver merges
 * the `revoked` ids it carries into its own revoked set (it is how mingle syncs revokes),
 * so an unsigned `hello` could revoke any task. It counts as changing; a worker may
 * still answer it without applying its `revoked` argument.
 */

/** The two kinds of control command. */
export const ControlCommandKind = {
  /** Answered without a signature: it reads state and changes nothing. */
  readOnly: 'read-only',
  /** Executed only when signed with the control key (or when unsigned ones are allowed). */
  changing: 'changing',
} as const;
/** One of the values of {@link ControlCommandKind}. */
export type ControlCommandKind = (typeof ControlCommandKind)[keyof typeof ControlCommandKind];

/**
 * Commands that only read a worker's state: Celery's `inspect` commands (with their
 * `dump_*` aliases), celeriac's `actor_tree` and `subscriptions`, and `heartbeat` (it only triggers an event). Python-only diagnostics that write files
 * or cost much (`objgraph`, `memdump`, `memsample`) are deliberately not here.
 */
export const READ_ONLY_CONTROL_COMMANDS: ReadonlySet<string> = new Set([
  'ping',
  'clock',
  'stats',
  'active',
  'dump_active',
  'reserved',
  'dump_reserved',
  'scheduled',
  'dump_schedule',
  'revoked',
  'dump_revoked',
  'registered',
  'dump_tasks',
  'query_task',
  'active_queues',
  'conf',
  'report',
  'actor_tree',
  'subscriptions',
  // A control command in Celery, but it only makes the worker send a heartbeat event now:
  // `celery events` and Flower broadcast it when they start, and refusing it would log a
  // warning per worker for nothing.
  'heartbeat',
]);

/**
 * The changing commands Celery 5.2 has, for documentation and for callers that list
 * them (e.g. a CLI's help); {@link controlCommandKind} does not need it, since anything
 * not read-only is changing.
 */
export const CHANGING_CONTROL_COMMANDS: readonly string[] = [
  'shutdown',
  'revoke',
  'terminate',
  'rate_limit',
  'time_limit',
  'pool_grow',
  'pool_shrink',
  'pool_restart',
  'autoscale',
  'add_consumer',
  'cancel_consumer',
  'enable_events',
  'disable_events',
  'election',
  'hello',
];

/** Whether `method` is read-only or changing (unknown commands are changing). */
export function controlCommandKind(method: string): ControlCommandKind {
  return READ_ONLY_CONTROL_COMMANDS.has(method)
    ? ControlCommandKind.readOnly
    : ControlCommandKind.changing;
}
