/**
 * The options of `sendTask` (Celery's `apply_async`/`send_task` keywords, camelCased)
 * and how each one lands in the task message: headers, properties or the body's embed.
 */
import type {
  CompressionName,
  ExchangeType,
  SignatureJson,
  TaskMessageInit,
} from '@celeriac/protocol';
import type { DedupOptions } from './dedup.js';
import type { RetryPolicy } from './publish-retry.js';
import type { SpanLink } from './telemetry.js';

/** One signature or several (Celery accepts both for `link`/`link_error`). */
export type Signatures = SignatureJson | readonly SignatureJson[];

/** Options of one send. Times are seconds, as in Celery. */
export interface SendTaskOptions extends DedupOptions {
  /** Run no earlier than this many seconds from now (becomes the `eta` header). */
  countdown?: number;
  /** Run no earlier than this time; a string is sent verbatim (ISO-8601 with offset). */
  eta?: Date | string;
  /**
   * Do not run after this: seconds from now or a time. Sets the `expires` header and the
   * `expiration` property (milliseconds, the broker's TTL on RabbitMQ).
   */
  expires?: number | Date | string;
  /** Queue name; overrides the routes. */
  queue?: string;
  routingKey?: string;
  exchange?: string;
  /** Type of `exchange` when it is not the queue's (declared before publishing). */
  exchangeType?: ExchangeType;
  /** Message priority property. */
  priority?: number;
  /**
   * Extra headers, merged into the top level of the header table as Celery does
   * (`headers.update(...)`): a worker sees them as `request.<name>`. A key that names a
   * standard header replaces it.
   */
  headers?: Record<string, unknown>;
  /** The worker stores no result (`ignore_result` header); `get()` is not possible. */
  ignoreResult?: boolean;
  /** Pre-chosen task id (default a random uuid4). */
  taskId?: string;
  /** Display name for worker logs and events. */
  shadow?: string;
  /** Hard time limit in seconds (`timelimit[0]`). */
  timeLimit?: number;
  /** Soft time limit in seconds (`timelimit[1]`). */
  softTimeLimit?: number;
  /** Tasks to send with this one's result when it succeeds (embed `callbacks`). */
  link?: Signatures;
  /** Tasks to run when this one fails (embed `errbacks`). */
  linkError?: Signatures;
  /** The task that sent this one; set by workers. */
  parentId?: string;
  /** First task of the workflow; default this task's id. */
  rootId?: string;
  /** Group this task belongs to (`group` header). */
  groupId?: string;
  /** Position in a frozen group (chord header members). */
  groupIndex?: number;
  /** The rest of a chain, in call order (encoded reversed, as Celery's embed wants). */
  chain?: readonly SignatureJson[];
  /** Chord body, sent when the last header task finishes. */
  chord?: SignatureJson;
  /** Retry count to put in the `retries` header (workers re-sending a task). */
  retries?: number;
  /** Retry the publish on a lost connection (default: the client's `publishRetry`). */
  retry?: boolean;
  /** Publish retry policy (over the client's). */
  retryPolicy?: RetryPolicy;
  /** Compress the body (`zlib` → `application/x-gzip`, `brotli`). */
  compression?: CompressionName;
  /** Reply queue property; default the result backend's, else the client's oid. */
  replyTo?: string;
  /** 2 persistent (default), 1 transient. */
  deliveryMode?: 1 | 2;
  /** Aborts the publish (including retry waits). */
  signal?: AbortSignal;
  /**
   * Links for this send's span (not sent): e.g. a worker sending a chord's body links
   * the header parts' spans, so the body's trace shows every part it waited for.
   */
  links?: readonly SpanLink[];
}

function list(value: Signatures | undefined): SignatureJson[] | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? [...(value as SignatureJson[])] : [value as SignatureJson];
}

/** What {@link buildTaskMessage} needs besides the options. */
export interface MessageContext {
  name: string;
  id: string;
  args: readonly unknown[];
  kwargs: Record<string, unknown>;
  origin: string;
  replyTo: string;
  priority: number | undefined;
  /** Trace context headers (`traceparent`, `tracestate`), put after the caller's. */
  traceHeaders: Record<string, string>;
  now: Date;
}

/**
 * The message init for one send: Celery's `as_task_v2` fields from the options. A
 * `countdown` wins over `eta`, as in Celery; numeric `expires` are seconds from `now`.
 */
export function buildTaskMessage(options: SendTaskOptions, ctx: MessageContext): TaskMessageInit {
  const now = ctx.now.getTime();
  const eta =
    options.countdown !== undefined
      ? new Date(now + options.countdown * 1000)
      : (options.eta ?? null);
  const expires =
    typeof options.expires === 'number'
      ? new Date(now + options.expires * 1000)
      : (options.expires ?? null);
  const chain = options.chain === undefined ? null : [...options.chain].reverse();
  return {
    headers: {
      task: ctx.name,
      id: ctx.id,
      shadow: options.shadow ?? null,
      eta,
      expires,
      group: options.groupId ?? null,
      groupIndex: options.groupIndex ?? null,
      retries: options.retries ?? 0,
      timelimit: [options.timeLimit ?? null, options.softTimeLimit ?? null],
      rootId: options.rootId ?? ctx.id,
      parentId: options.parentId ?? null,
      origin: ctx.origin,
      ignoreResult: options.ignoreResult ?? false,
      extraHeaders: { ...options.headers, ...ctx.traceHeaders },
    },
    properties: {
      replyTo: ctx.replyTo,
      deliveryMode: options.deliveryMode ?? 2,
      ...(ctx.priority === undefined ? {} : { priority: ctx.priority }),
    },
    args: ctx.args,
    kwargs: ctx.kwargs,
    embed: {
      callbacks: list(options.link),
      errbacks: list(options.linkError),
      chain: chain && chain.length > 0 ? chain : null,
      chord: options.chord ?? null,
    },
  };
}
