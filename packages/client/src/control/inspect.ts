/**
 * `control.inspect(options)`: Celery's `app.control.inspect()` — read-only questions to
 * the workers, each answered by every worker that replies within the timeout, as
 * `{ <node name>: reply }`. Arguments keep Celery's names on the wire (`safe`,
 * `taskinfoitems`, `ids`, `with_defaults`).
 */
import { InspectCommand } from './control-commands.js';
import type { InspectOptions } from './control-options.js';
import type {
  ActorTreeReply,
  ClockReply,
  NodeReplies,
  OkReply,
  QueryTaskReply,
  QueueInfo,
  ScheduledTaskInfo,
  SubscriptionInfo,
  TaskRequestInfo,
  WorkerStats,
} from './control-replies.js';

/** Options of the inspect commands that list requests. */
export interface SafeOption {
  /** Arguments as saferepr strings instead of values (Celery's `safe`). */
  safe?: boolean;
}

/**
 * Read-only questions to the workers. Every method resolves with the replies by node
 * name (no entry for a worker that did not answer in time); a worker that failed the
 * command answers `{ error }` (see `isErrorReply`).
 */
export interface Inspect {
  /** Who is asked, and how long the answers are waited for. */
  readonly options: Readonly<InspectOptions>;
  /** `{ok: 'pong'}` from each live worker. */
  ping(): Promise<NodeReplies<OkReply>>;
  /** Counters, pool, broker and rusage of each worker. */
  stats(): Promise<NodeReplies<WorkerStats>>;
  /** Tasks executing now. */
  active(options?: SafeOption): Promise<NodeReplies<TaskRequestInfo[]>>;
  /** Tasks prefetched and waiting for an executor. */
  reserved(options?: SafeOption): Promise<NodeReplies<TaskRequestInfo[]>>;
  /** Tasks held for their ETA or countdown. */
  scheduled(options?: SafeOption): Promise<NodeReplies<ScheduledTaskInfo[]>>;
  /** Registered task names; `'rate_limit'`, `'time_limit'`… add `[rate_limit=…]`. */
  registered(...taskinfoitems: string[]): Promise<NodeReplies<string[]>>;
  /** The queues each worker consumes. */
  activeQueues(): Promise<NodeReplies<QueueInfo[]>>;
  /** Ids each worker holds as revoked. */
  revoked(): Promise<NodeReplies<string[]>>;
  /** Where each of these tasks is on each worker (`active`, `reserved`, `ready`). */
  queryTask(...ids: string[]): Promise<NodeReplies<QueryTaskReply>>;
  /** Each worker's configuration (`with_defaults`: Celery's defaults too). */
  conf(options?: { withDefaults?: boolean }): Promise<NodeReplies<Record<string, unknown>>>;
  /** Each worker's `celery report` text. */
  report(): Promise<NodeReplies<OkReply>>;
  /** Each worker's Lamport clock. */
  clock(): Promise<NodeReplies<ClockReply>>;
  /** A celeriac worker's supervision tree (contract 6); Python workers answer an error. */
  actorTree(): Promise<NodeReplies<ActorTreeReply>>;
  /**
   * A celeriac worker's event and document subscriptions (pattern, task, queue, and
   * whether it serves them), including those no message has matched yet; Python workers
   * answer an error.
   */
  subscriptions(): Promise<NodeReplies<SubscriptionInfo[]>>;
  /** Python's `memsample` (needs psutil on the worker). */
  memsample(): Promise<NodeReplies<unknown>>;
  /** Python's `memdump`: the last `samples` memory samples. */
  memdump(options?: { samples?: number }): Promise<NodeReplies<unknown>>;
  /** Any inspect command by its wire name, with its keyword arguments. */
  call<T = unknown>(command: string, args?: Record<string, unknown>): Promise<NodeReplies<T>>;
}

/** How an {@link Inspect} asks: a broadcast that waits for replies. */
export type InspectRequest = (
  command: string,
  args: Record<string, unknown>,
  options: InspectOptions,
) => Promise<Record<string, unknown>>;

function safeArgs(options: SafeOption | undefined): Record<string, unknown> {
  return options?.safe === undefined ? {} : { safe: options.safe };
}

/** The inspect API over `request`. */
export function createInspect(request: InspectRequest, options: InspectOptions): Inspect {
  const frozen = Object.freeze({ ...options });
  const ask = <T>(command: string, args: Record<string, unknown> = {}) =>
    request(command, args, frozen) as Promise<NodeReplies<T>>;
  return {
    options: frozen,
    ping: () => ask(InspectCommand.ping),
    stats: () => ask(InspectCommand.stats),
    active: (o) => ask(InspectCommand.active, safeArgs(o)),
    reserved: (o) => ask(InspectCommand.reserved, safeArgs(o)),
    scheduled: (o) => ask(InspectCommand.scheduled, safeArgs(o)),
    registered: (...taskinfoitems) => ask(InspectCommand.registered, { taskinfoitems }),
    activeQueues: () => ask(InspectCommand.activeQueues),
    revoked: () => ask(InspectCommand.revoked),
    queryTask: (...ids) => ask(InspectCommand.queryTask, { ids }),
    conf: (o) => ask(InspectCommand.conf, { with_defaults: o?.withDefaults ?? false }),
    report: () => ask(InspectCommand.report),
    clock: () => ask(InspectCommand.clock),
    actorTree: () => ask(InspectCommand.actorTree),
    subscriptions: () => ask(InspectCommand.subscriptions),
    memsample: () => ask(InspectCommand.memsample),
    memdump: (o) => ask(InspectCommand.memdump, { samples: o?.samples ?? 10 }),
    call: (command, args = {}) => ask(command, args),
  };
}
