/**
 * Task states as Celery 5.2 stores them (`celery/states.py`), with their precedence.
 */

/** Built-in task states. Custom states (e.g. `PROGRESS`) are any other string. */
export const TaskState = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  RETRY: 'RETRY',
  REVOKED: 'REVOKED',
  REJECTED: 'REJECTED',
  IGNORED: 'IGNORED',
} as const;
/** A built-in state name. */
export type BuiltinTaskState = (typeof TaskState)[keyof typeof TaskState];
/** A task state: a built-in one or a custom one such as `"PROGRESS"`. */
export type TaskStateName = BuiltinTaskState | (string & {});

/** States after which a task's result no longer changes. */
export const READY_STATES: ReadonlySet<string> = new Set([
  TaskState.SUCCESS,
  TaskState.FAILURE,
  TaskState.REVOKED,
]);
/** States whose `result` holds an encoded exception. */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set([
  TaskState.RETRY,
  TaskState.FAILURE,
  TaskState.REVOKED,
]);
/** States whose exception a client raises when it reads the result. */
export const PROPAGATE_STATES: ReadonlySet<string> = new Set([
  TaskState.FAILURE,
  TaskState.REVOKED,
]);

/** Highest first; custom states rank where `null` stands (Celery's `None`). */
const PRECEDENCE: readonly (string | null)[] = [
  TaskState.SUCCESS,
  TaskState.FAILURE,
  null,
  TaskState.REVOKED,
  TaskState.STARTED,
  TaskState.RECEIVED,
  TaskState.REJECTED,
  TaskState.RETRY,
  TaskState.PENDING,
];

/** True when `state` is final (SUCCESS, FAILURE, REVOKED). */
export function isReady(state: string): boolean {
  return READY_STATES.has(state);
}

/**
 * The precedence index of a state: lower is stronger. Unknown (custom) states rank
 * between FAILURE and REVOKED, as in Celery.
 */
export function statePrecedence(state: string): number {
  const index = PRECEDENCE.indexOf(state);
  return index === -1 ? PRECEDENCE.indexOf(null) : index;
}
