/**
 * One task as the monitor knows it from `task-*` events, merged as Celery's
 * `celery.events.state.Task` does: every event sets its timestamp field (`received`,
 * `started`, …); an event whose state logically happened before the current one (a
 * `task-received` arriving after `task-succeeded`) only fills in fields — for RECEIVED
 * only `name`, `args`, `kwargs`, `parent_id`, `root_id`, `retries`, `eta`, `expires` — and
 * never moves the state back. RETRY always applies. Each event is also kept, in time
 * order, in the task's history (bounded).
 */
import type { ReceivedEvent } from './event-receiver.js';

/** One event in a task's life. */
export interface TaskTransition {
  /** The event type, e.g. `task-started`. */
  readonly type: string;
  /** The state it means (`STARTED`; a custom state's event type upper-cased). */
  readonly state: string;
  /** When the worker sent it (unix seconds). */
  readonly timestamp: number;
  /** When the monitor received it (unix seconds). */
  readonly localReceived: number;
  /** The worker (or client, for `task-sent`) that sent it. */
  readonly hostname: string;
}

/** What the monitor knows about a task. Values are as the events carry them. */
export interface TaskInfo {
  readonly id: string;
  readonly name: string | null;
  /** Celery's state: PENDING, RECEIVED, STARTED, SUCCESS, FAILURE, RETRY, REVOKED, REJECTED. */
  readonly state: string;
  /** Unix seconds of the event that set `state`. */
  readonly timestamp: number | null;
  readonly sent: number | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly retried: number | null;
  readonly revoked: number | null;
  readonly rejected: number | null;
  /** The arguments' repr (Celery's `argsrepr`), e.g. `(2, 3)`. */
  readonly args: string | null;
  readonly kwargs: string | null;
  /** The result's repr (`task-succeeded`). */
  readonly result: string | null;
  /** The exception's repr (`task-failed`, `task-retried`), e.g. `ValueError('x')`. */
  readonly exception: string | null;
  readonly traceback: string | null;
  readonly retries: number | null;
  readonly eta: string | null;
  readonly expires: string | null;
  /** Seconds the task ran (`task-succeeded`). */
  readonly runtime: number | null;
  /** Node name of the worker that received it. */
  readonly worker: string | null;
  /** Node name of the client that sent it (`task-sent`). */
  readonly client: string | null;
  readonly rootId: string | null;
  readonly parentId: string | null;
  /** Ids of tasks whose parent this is (those the monitor saw). */
  readonly children: readonly string[];
  readonly exchange: string | null;
  readonly routingKey: string | null;
  readonly queue: string | null;
  /** `task-revoked`: killed while running, with which signal, or expired. */
  readonly terminated: boolean | null;
  readonly signum: number | null;
  readonly expired: boolean | null;
  /** `task-rejected`: put back on its queue. */
  readonly requeue: boolean | null;
  /** Lamport clock of the last event applied. */
  readonly clock: number;
  /** Its events in time order (the last {@link TASK_HISTORY_LIMIT}). */
  readonly history: readonly TaskTransition[];
}

/** Events kept per task. */
export const TASK_HISTORY_LIMIT = 32;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The monitor's own, writable view of a task. */
export type TaskRecord = Mutable<TaskInfo> & { children: string[]; history: TaskTransition[] };

/** Task event subject (after `task-`) → state, Celery's `TASK_EVENT_TO_STATE`. */
const EVENT_STATE: Readonly<Record<string, string>> = {
  sent: 'PENDING',
  received: 'RECEIVED',
  started: 'STARTED',
  failed: 'FAILURE',
  retried: 'RETRY',
  succeeded: 'SUCCESS',
  revoked: 'REVOKED',
  rejected: 'REJECTED',
};

/** Celery's `states.PRECEDENCE`: lower index wins; unknown states rank as `null`. */
const PRECEDENCE = [
  'SUCCESS',
  'FAILURE',
  null,
  'REVOKED',
  'STARTED',
  'RECEIVED',
  'REJECTED',
  'RETRY',
  'PENDING',
];
const UNKNOWN_RANK = PRECEDENCE.indexOf(null);

function rank(state: string): number {
  const index = PRECEDENCE.indexOf(state);
  return index === -1 ? UNKNOWN_RANK : index;
}

/** Fields a late RECEIVED event may still fill in (Celery's `merge_rules`). */
const RECEIVED_KEEPS = new Set([
  'name',
  'args',
  'kwargs',
  'parent_id',
  'root_id',
  'retries',
  'eta',
  'expires',
]);

/** Wire field → record field, for the fields a task event may carry. */
const FIELDS = {
  name: 'name',
  args: 'args',
  kwargs: 'kwargs',
  result: 'result',
  exception: 'exception',
  traceback: 'traceback',
  retries: 'retries',
  eta: 'eta',
  expires: 'expires',
  runtime: 'runtime',
  exchange: 'exchange',
  routing_key: 'routingKey',
  queue: 'queue',
  root_id: 'rootId',
  parent_id: 'parentId',
  terminated: 'terminated',
  signum: 'signum',
  expired: 'expired',
  requeue: 'requeue',
} as const satisfies Record<string, keyof TaskRecord>;

const STRING_FIELDS = new Set<string>([
  'name',
  'args',
  'kwargs',
  'result',
  'exception',
  'traceback',
  'eta',
  'expires',
  'exchange',
  'routing_key',
  'queue',
  'root_id',
  'parent_id',
]);

/** A task known only by its id. */
export function newTask(id: string): TaskRecord {
  return {
    id,
    name: null,
    state: 'PENDING',
    timestamp: null,
    sent: null,
    received: null,
    started: null,
    succeeded: null,
    failed: null,
    retried: null,
    revoked: null,
    rejected: null,
    args: null,
    kwargs: null,
    result: null,
    exception: null,
    traceback: null,
    retries: null,
    eta: null,
    expires: null,
    runtime: null,
    worker: null,
    client: null,
    rootId: null,
    parentId: null,
    children: [],
    exchange: null,
    routingKey: null,
    queue: null,
    terminated: null,
    signum: null,
    expired: null,
    requeue: null,
    clock: 0,
    history: [],
  };
}

/** Fields whose few distinct values repeat in every task: kept as one shared copy. */
const REPEATED_FIELDS = new Set<string>(['name', 'exchange', 'routing_key', 'queue']);

/** Returns one shared copy of a string equal to `text` (see {@link applyTaskEvent}). */
export type Intern = (text: string) => string;

const asIs: Intern = (text) => text;

function setField(
  task: TaskRecord,
  wire: keyof typeof FIELDS,
  value: unknown,
  intern: Intern,
): void {
  const key = FIELDS[wire];
  if (value === undefined) return;
  if (value === null) {
    (task as Record<string, unknown>)[key] = null;
  } else if (STRING_FIELDS.has(wire)) {
    // Celery sends strings here; a number or a structure from another sender is kept as text.
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    (task as Record<string, unknown>)[key] = REPEATED_FIELDS.has(wire)
      ? intern(text)
      : wire === 'root_id' && text === task.id
        ? task.id
        : text;
  } else if (wire === 'terminated' || wire === 'expired' || wire === 'requeue') {
    task[key as 'terminated'] = value === true;
  } else if (typeof value === 'number') {
    (task as Record<string, unknown>)[key] = value;
  }
}

/**
 * Apply one `task-*` event (`subject` = the type without `task-`) to `task`. Returns
 * whether the task's state changed. `intern` gives the strings that repeat from task to
 * task (hostnames, names, event types, queues) one shared copy: each event arrives with
 * its own, and 10,000 kept tasks would otherwise hold 100,000 of them.
 */
export function applyTaskEvent(
  task: TaskRecord,
  subject: string,
  event: ReceivedEvent,
  intern: Intern = asIs,
): boolean {
  const timestamp = typeof event.timestamp === 'number' ? event.timestamp : event.local_received;
  const known = EVENT_STATE[subject];
  const state = known ?? intern(subject.toUpperCase());
  if (known !== undefined) task[subject as 'received'] = timestamp;
  const late = state !== 'RETRY' && task.state !== 'RETRY' && rank(state) > rank(task.state);
  for (const wire of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    if (!(wire in event)) continue;
    if (late && (state !== 'RECEIVED' || !RECEIVED_KEEPS.has(wire))) {
      // Celery keeps every field of a late event without a merge rule; only RECEIVED
      // has one. Keep that, but never let an old event erase what a later one set.
      if (state === 'RECEIVED' || task[FIELDS[wire]] !== null) continue;
    }
    setField(task, wire, event[wire], intern);
  }
  if (typeof event.clock === 'number') task.clock = Math.max(task.clock, event.clock);
  insertHistory(task, {
    type: intern(event.type),
    state,
    timestamp,
    localReceived: event.local_received,
    hostname: intern(event.hostname),
  });
  if (late) return false;
  const changed = task.state !== state;
  task.state = state;
  task.timestamp = timestamp;
  return changed;
}

function insertHistory(task: TaskRecord, entry: TaskTransition): void {
  const history = task.history;
  let at = history.length;
  while (at > 0 && history[at - 1]!.timestamp > entry.timestamp) at -= 1;
  // A new array of the exact length: one grown in place keeps room for 17 entries, about
  // 120 bytes more in each of the 10,000 tasks kept.
  const next = history.toSpliced(at, 0, entry);
  task.history = next.length > TASK_HISTORY_LIMIT ? next.slice(1) : next;
}
