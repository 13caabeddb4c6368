/**
 * What the dashboard's HTTP API and live stream send to the browser: plain JSON views of
 * the monitor's state, shared by the server (`src/`) and the UI (`ui/`). Times are unix
 * seconds on the dashboard's clock; each message carries `now` so the page computes ages
 * (heartbeat age, time in state) without trusting the browser's clock.
 */

/** One worker as the workers page lists it. */
export interface WorkerRow {
  hostname: string;
  /** `celeriac`, `python` or `unknown` (from the events' `sw_ident`). */
  kind: string;
  online: boolean;
  /** When its last heartbeat (or any event) arrived, unix seconds; null before any. */
  lastHeartbeat: number | null;
  /** Heartbeat interval in seconds. */
  freq: number;
  offlineSince: number | null;
  pid: number | null;
  /** Tasks executing at the last heartbeat. */
  active: number | null;
  /** Tasks processed since it started, at the last heartbeat. */
  processed: number | null;
  succeeded: number;
  failed: number;
  loadavg: readonly number[] | null;
  software: string | null;
  /** From `inspect stats`: the pool's implementation and size, when it answered. */
  pool: PoolInfo | null;
  /** Queues it consumes (from `inspect active_queues`). */
  queues: readonly string[];
  /** The worst health in its actor tree (`healthy`, `degraded`, …); null without a tree. */
  health: string | null;
  /** Whether it has an actor tree (celeriac workers answering `actor_tree`). */
  hasActorTree: boolean;
}

/** A worker's pool, from `inspect stats` (Celery's `pool` section). */
export interface PoolInfo {
  /** e.g. `celery.concurrency.prefork:TaskPool`, or celeriac's `async`/`threads`/`processes`. */
  implementation: string | null;
  maxConcurrency: number | null;
  /** Process or thread ids of the units, when the pool has them. */
  processes: readonly number[];
  prefetchCount: number | null;
}

/** One node of a celeriac worker's supervision tree (contract 6). */
export interface ActorNodeView {
  id: string;
  path: string;
  kind: string;
  /** Lifecycle state: `started`, `restarting`, `crashed`, `stopped`, … */
  state: string;
  activity: string | null;
  health: string | null;
  restarts: number;
  /** When its last transition arrived (unix seconds), if the dashboard saw one. */
  changedAt: number | null;
  /** The full state of its last transition (`started.paused`), if the dashboard saw one. */
  lastState: string | null;
  children: ActorNodeView[];
}

/** One actor transition, newest last. */
export interface ActorTransitionView {
  path: string;
  kind: string;
  from: string | null;
  to: string;
  fromActivity: string | null;
  toActivity: string | null;
  event: string | null;
  reason: string | null;
  timestamp: number;
}

/** The worker page: its row, its tree and transitions, and the tasks running on it. */
export interface WorkerDetail {
  worker: WorkerRow;
  tree: ActorNodeView | null;
  transitions: readonly ActorTransitionView[];
  /** Tasks it runs now (from `inspect active`, at most a few seconds old). */
  running: readonly RunningTask[];
}

/** A task a worker runs now, as `inspect active` says. */
export interface RunningTask {
  id: string;
  name: string;
  /** The unit running it (process or thread id), when the pool has one. */
  workerPid: number | null;
  /** Unix seconds it started. */
  timeStart: number | null;
}

/** One task in the task list. */
export interface TaskRow {
  id: string;
  name: string | null;
  state: string;
  worker: string | null;
  args: string | null;
  kwargs: string | null;
  /** The result's repr, or the exception's for failures. */
  result: string | null;
  /** Time of the last state, unix seconds. */
  timestamp: number | null;
  received: number | null;
  started: number | null;
  runtime: number | null;
  retries: number | null;
}

/** One step in a task's timeline. */
export interface TaskStep {
  type: string;
  state: string;
  timestamp: number;
  hostname: string;
}

/** A task's page. */
export interface TaskDetail extends TaskRow {
  exception: string | null;
  traceback: string | null;
  eta: string | null;
  expires: string | null;
  client: string | null;
  rootId: string | null;
  parentId: string | null;
  children: readonly string[];
  exchange: string | null;
  routingKey: string | null;
  queue: string | null;
  terminated: boolean | null;
  timeline: readonly TaskStep[];
  /** The unit that ran it (process or thread id), when the dashboard saw it running. */
  workerPid: number | null;
  /** The executor actor that ran it, when the worker said. */
  executor: string | null;
}

/** What the result backend holds for a task (when the dashboard has a backend). */
export interface StoredResult {
  status: string;
  /** The stored result as JSON (a value, or the exception's `exc_type`/`exc_message`). */
  result: unknown;
  traceback: string | null;
  dateDone: string | null;
}

/** One watched queue. */
export interface QueueRow {
  name: string;
  /** Ready messages at the last read; null before one or when it failed. */
  length: number | null;
  consumers: readonly string[];
  /** Tasks per second received from it / finished from it, over the last minute. */
  inRate: number;
  outRate: number;
  error: string | null;
}

/** Throughput and runtimes, for the charts and the header. */
export interface StatsView {
  /** Per-second counts of the last minutes, oldest first. */
  series: readonly {
    second: number;
    received: number;
    started: number;
    succeeded: number;
    failed: number;
    retried: number;
    revoked: number;
  }[];
  totals: Record<string, number>;
  /** Kept tasks by state. */
  byState: Record<string, number>;
  runtime: RuntimeView;
  /** Per task name, the most run first. */
  runtimeByName: readonly (RuntimeView & { name: string })[];
  taskNames: readonly string[];
}

/** Runtime percentiles in seconds. */
export interface RuntimeView {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** What the page needs to know about the dashboard itself. */
export interface DashboardInfo {
  /** Whether the buttons that change workers (revoke, terminate) work. */
  control: boolean;
  /** Whether those requests are signed with a control key. */
  signed: boolean;
  /** The broker as the dashboard shows it (password masked). */
  broker: string | null;
  /** Whether the dashboard can read stored results. */
  backend: boolean;
  version: string;
}

/** Which tasks a list shows. */
export interface TaskListQuery {
  state?: string;
  name?: string;
  worker?: string;
  search?: string;
  limit?: number;
}

/**
 * Messages of the live stream (`GET /api/stream`), each an SSE event named by `type`.
 * Which ones a page gets depends on what it asked for in the stream's query.
 */
export type LiveMessage =
  | { type: 'hello'; now: number; info: DashboardInfo }
  | { type: 'workers'; now: number; workers: readonly WorkerRow[] }
  | { type: 'worker'; now: number; detail: WorkerDetail | null; hostname: string }
  | { type: 'tasks'; now: number; tasks: readonly TaskRow[]; total: number }
  | { type: 'task'; now: number; task: TaskDetail | null; id: string }
  | { type: 'queues'; now: number; queues: readonly QueueRow[] }
  | { type: 'stats'; now: number; stats: StatsView }
  | { type: 'broker'; now: number; connected: boolean; error: string | null };

/** The reply of `POST /api/tasks/:id/revoke`. */
export interface RevokeReply {
  id: string;
  terminate: boolean;
  /** Each worker's answer (`{ok}` or `{error}`), by node name. */
  replies: Record<string, unknown>;
}
