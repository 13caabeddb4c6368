/**
 * What workers answer to remote-control commands, typed in Celery 5.2's shapes
 * (`celery/worker/control.py`, captured from real workers): snake_case field names as on
 * the wire, because the CLI prints them and Python tools read them by those names. A
 * celeriac worker answers the same shapes; fields a worker may leave out are optional.
 */

/** Celery's success reply `{ok: value}`. */
export interface OkReply<T = string> {
  ok: T;
}

/**
 * Celery's failure reply `{error: repr}`: what a worker answers when a command raised,
 * including an unknown command (`"KeyError('actor_tree')"` from a Python worker).
 */
export interface ErrorReply {
  error: string;
}

/** Whether a node's reply is Celery's `{error: …}`. */
export function isErrorReply(value: unknown): value is ErrorReply {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'error' in value &&
    Object.keys(value).length === 1
  );
}

/** Replies by node name; a node whose command failed answers an {@link ErrorReply}. */
export type NodeReplies<T> = Record<string, T | ErrorReply>;

/** What a changing command answers: `{ok: "…"}`, `{error: "…"}`, or null (`heartbeat`). */
export type CommandReply = OkReply | ErrorReply | null;

/** `delivery_info` of a request. */
export interface DeliveryInfo {
  exchange: string;
  routing_key: string;
  priority: number | null;
  redelivered: boolean | null;
}

/** A task request as `inspect active|reserved|scheduled|query_task` describes it. */
export interface TaskRequestInfo {
  id: string;
  name: string;
  /** The arguments (a saferepr string when asked with `safe`). */
  args: unknown;
  kwargs: unknown;
  type: string;
  hostname: string;
  /** Unix seconds when it started; null before. */
  time_start: number | null;
  acknowledged: boolean;
  delivery_info: DeliveryInfo;
  /** The pool process running it; null before it started. */
  worker_pid: number | null;
}

/** An `inspect scheduled` entry: a request held for its ETA. */
export interface ScheduledTaskInfo {
  /** ISO-8601 with offset. */
  eta: string;
  priority: number;
  request: TaskRequestInfo;
}

/** `inspect query_task`: per task id, where it is (`active`, `reserved`, `ready`). */
export type QueryTaskReply = Record<string, [state: string, request: TaskRequestInfo]>;

/** The `pool` part of `inspect stats`. */
export interface PoolStats {
  'max-concurrency'?: number;
  /** Pool process ids (a celeriac async pool: the worker's own). */
  processes?: number[];
  /** A number, or `"N/A"` from Python's prefork pool, or null. */
  'max-tasks-per-child'?: number | string | null;
  'put-guarded-by-semaphore'?: boolean;
  timeouts?: (number | null)[];
  implementation?: string;
  [field: string]: unknown;
}

/** `inspect stats`. */
export interface WorkerStats {
  /** Tasks processed since start, by name. */
  total: Record<string, number>;
  pid: number;
  /** The worker's Lamport clock — a string, as Celery sends it. */
  clock: string;
  /** Seconds since start. */
  uptime: number;
  pool: PoolStats;
  /** Connection details (`hostname`, `port`, `transport`, …; no password). */
  broker: Record<string, unknown>;
  prefetch_count: number;
  /** getrusage(2) fields. */
  rusage: Record<string, number>;
  [field: string]: unknown;
}

/** An exchange as `inspect active_queues` describes it. */
export interface ExchangeInfo {
  name: string;
  type: string;
  durable?: boolean;
  auto_delete?: boolean;
  arguments?: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** A queue a worker consumes, as `inspect active_queues` describes it (kombu's `Queue`). */
export interface QueueInfo {
  name: string;
  exchange: ExchangeInfo;
  routing_key: string;
  durable: boolean;
  exclusive: boolean;
  auto_delete: boolean;
  no_ack: boolean;
  queue_arguments: Record<string, unknown> | null;
  max_priority: number | null;
  [field: string]: unknown;
}

/** `inspect clock`. */
export interface ClockReply {
  clock: number;
}

/**
 * One actor of a celeriac worker's supervision tree (`inspect actor_tree`, contract 6):
 * its lifecycle `state`, current `activity`, `health`, restarts, and children.
 */
export interface ActorNode {
  id: string;
  /** Slash-separated path from the root, e.g. `worker/pool/executor-3`. */
  path: string;
  /** `supervisor`, `actor`, … */
  kind: string;
  /** Lifecycle state: `started`, `restarting`, `stopped`, `crashed`, … */
  state: string;
  /** The actor task it is in (`idle`, `executing`, …), or null. */
  activity: string | null;
  /** `healthy`, `degraded` or `unhealthy` while started; null otherwise. */
  health: string | null;
  restarts: number;
  children: ActorNode[];
}

/** `inspect actor_tree` from a celeriac worker (Python workers answer an error). */
export interface ActorTreeReply {
  root: ActorNode;
}

/** One subscription in `inspect subscriptions` (celeriac workers only). */
export interface SubscriptionInfo {
  /** Unique among the app's subscriptions. */
  name: string;
  /** The event or document name, or the pattern (`shop.order.*`, `shop.#`). */
  pattern: string;
  /** The task each matching message becomes. */
  task: string;
  /** The subscription's own queue. */
  queue: string;
  /** Whether the answering worker consumes the queue. */
  consumed: boolean;
  /** Whether the answering worker runs the task. */
  registered: boolean;
  /**
   * Tasks of the subscription's task name the answering worker has finished since it
   * started (a task shared by two subscriptions counts for both): 0 for one nothing has
   * matched.
   */
  processed: number;
}
