/**
 * Options of the control client: how it is created, and the per-call options every
 * broadcast, inspect and control command takes (Celery's `destination`, `timeout`,
 * `limit`, `pattern`, `matcher`, `reply`).
 */
import type {
  BrokerMessage,
  ControlKey,
  ControlRequest,
  ExchangeType,
  Transport,
} from '@celeriac/protocol';
import type { RetryPolicy } from '../publish-retry.js';

/**
 * Signs a request before it is published: gets the encoded message and the request, and
 * returns the message to publish (e.g. with signature headers). Called for every
 * request, after the `controlKey` signature when there is one. For the cluster's
 * control key, give `controlKey` instead; this hook is for other schemes.
 */
export type ControlSigner = (
  message: BrokerMessage,
  request: ControlRequest,
) => BrokerMessage | Promise<BrokerMessage>;

/** Where the control client reports what it does not throw. */
export interface ControlLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Options of `createControl`. */
export interface ControlOptions {
  /** The broker connection. Not closed by the control client unless `ownTransport`. */
  transport: Transport;
  /** Close `transport` when the control client closes; default false. */
  ownTransport?: boolean;
  /**
   * How long to wait for replies, in milliseconds, when a call gives no `timeoutMs`:
   * Celery's 1 s. The wait ends this long after the last reply (kombu's rule).
   */
  timeoutMs?: number;
  /**
   * Id of this client's reply queue (`<oid>.reply.celery.pidbox`, routing key `<oid>`);
   * default a random uuid4.
   */
  oid?: string;
  /**
   * The cluster's control key (`CELERIAC_CONTROL_KEY`, `--control-key-file`: at least
   * 16 bytes; text counts as its UTF-8 bytes). With it, every command that changes a
   * worker (`controlCommandKind` in `@celeriac/protocol` says which: all but the
   * read-only `inspect` ones, `ping` and `heartbeat`) carries a `celeriac_signature`
   * header that celeriac workers check; read-only ones go unsigned unless
   * `signReadOnly`. Without it, requests go out unsigned, as Celery's do, and celeriac
   * workers refuse the changing ones. A key too short throws `SecurityConfigError` here.
   */
  controlKey?: ControlKey;
  /** Sign read-only requests too (they are answered either way); default false. */
  signReadOnly?: boolean;
  /** Signs every request before it is published; see {@link ControlSigner}. */
  sign?: ControlSigner;
  /** Publish retry, as the task client's (`false`, `true` = Celery's policy, or a policy). */
  publishRetry?: boolean | RetryPolicy;
  /** Reports a reply that could not be decoded, or a reply queue left behind. */
  logger?: ControlLogger;
  /** The clock for the `expires` header; default `new Date()`. */
  now?: () => Date;
}

/** Options every remote-control call takes. */
export interface BroadcastOptions {
  /** Only these worker node names act (`-d`); default every worker. */
  destination?: readonly string[];
  /** With `matcher`: only nodes whose name matches act (kombu's `pattern`). */
  pattern?: string;
  /** `glob` (fnmatch) or `pcre` (a regular expression matched at the start). */
  matcher?: 'glob' | 'pcre';
  /** Milliseconds to wait for replies (after the last one); default the client's. */
  timeoutMs?: number;
  /**
   * Stop waiting once this many replies came; default the number of `destination`
   * nodes when given (kombu's), else wait out the timeout.
   */
  limit?: number;
  /** Called with each reply as it arrives (Celery's `callback`), e.g. to print it. */
  onReply?: (node: string, reply: unknown) => void;
}

/** Options of `broadcast`: the command's keyword arguments, and whether to wait for replies. */
export interface BroadcastCommandOptions extends BroadcastOptions {
  /** Keyword arguments of the command, in Celery's names (`task_name`, `rate_limit`, …). */
  arguments?: Record<string, unknown>;
  /** Wait for and return the replies; default false (a cast, as Celery's). */
  reply?: boolean;
}

/** Options of the changing commands (`rateLimit`, `poolGrow`, …). */
export interface CommandOptions extends BroadcastOptions {
  /** Wait for and return each worker's `{ok}`/`{error}`; default false (a cast). */
  reply?: boolean;
}

/** Options of `inspect()`: which workers to ask and how long to wait. */
export type InspectOptions = BroadcastOptions;

/** Options of `revoke`. */
export interface RevokeCommandOptions extends CommandOptions {
  /** Also kill the task if it is running. */
  terminate?: boolean;
  /** Signal name for `terminate`; default `SIGTERM`. */
  signal?: string;
}

/** Options of `timeLimit`: new limits in seconds (null: none). */
export interface TimeLimitOptions extends CommandOptions {
  soft?: number | null;
  hard?: number | null;
}

/** Options of `addConsumer` (Celery's names; the exchange defaults to the queue's). */
export interface AddConsumerOptions extends CommandOptions {
  exchange?: string;
  exchangeType?: ExchangeType;
  routingKey?: string;
  /** More `kombu.Queue.from_dict` options, sent as they are. */
  options?: Record<string, unknown>;
}

/** Options of `poolRestart`. */
export interface PoolRestartOptions extends CommandOptions {
  modules?: readonly string[];
  reload?: boolean;
}
