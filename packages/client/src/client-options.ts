/**
 * Options of `createClient` and the client's lifecycle states.
 */
import type {
  AuthSerializer,
  MessageSecurityOptions,
  MessageSubscription,
  ResultBackend,
  Transport,
} from '@celeriac/protocol';
import type { Meter, Tracer } from '@opentelemetry/api';
import type { ControlOptions } from './control/control-options.js';
import type { RetryPolicy } from './publish-retry.js';
import type { SignalLogger } from './signal.js';
import type { ServerAddress } from './telemetry.js';
import type { QueueDeclaration, Routes } from './routing.js';
import type { SendTaskOptions } from './send-options.js';

/**
 * Defaults for every send (Celery's `task_*` settings), under each call's options. The
 * destination is set by `defaultQueue`, `routes` and `queues` instead; `priority` here is
 * Celery's `task_default_priority`, used only when neither the call nor a route gives one.
 */
export type TaskDefaults = Omit<
  SendTaskOptions,
  | 'queue'
  | 'exchange'
  | 'exchangeType'
  | 'routingKey'
  | 'taskId'
  | 'parentId'
  | 'rootId'
  | 'groupId'
  | 'groupIndex'
  | 'chain'
  | 'chord'
  | 'link'
  | 'linkError'
  | 'signal'
  | 'links'
  | 'dedupKey'
>;

/** Options of `createClient`. */
export interface ClientOptions {
  /** The broker connection. Not closed by the client unless `ownTransport` is true. */
  transport: Transport;
  /**
   * Where results are read (`AsyncResult.get`). Without one, sending works and reading a
   * result throws `NoResultBackendError`. Not closed by the client unless `ownBackend`.
   */
  backend?: ResultBackend;
  /** Celery's `task_default_queue`; default `celery`. */
  defaultQueue?: string;
  /** Celery's `task_routes`. */
  routes?: Routes;
  /**
   * Celery's `task_queues`: the queues this client knows, declared before the first
   * publish to each. Default: just the default queue. Other queues named by routes or
   * options are created as `Queue(name, Exchange(name, 'direct'), name)`.
   */
  queues?: readonly QueueDeclaration[];
  /** The `origin` header; default `gen<pid>@<hostname>` as Celery's clients send. */
  origin?: string;
  /**
   * Host name for the default `origin`. This package does no I/O: pass `os.hostname()`
   * (the `celeriac` front door does); default `$HOSTNAME`, else `localhost`.
   */
  hostname?: string;
  /** Defaults for every send. */
  taskDefaults?: TaskDefaults;
  /**
   * The subscriptions `publish` fans events and documents out to (`defineSubscription`);
   * more can be added with `client.subscribe`. Declare them in a module every publisher
   * imports, as task contracts are.
   */
  subscriptions?: readonly MessageSubscription[];
  /**
   * Publish retry (Celery's `task_publish_retry` and `task_publish_retry_policy`):
   * `true` (default) uses Celery's policy (3 retries, 0 s then 0.2 s apart), `false`
   * never retries, a policy object tunes it.
   */
  publishRetry?: boolean | RetryPolicy;
  /** Tracer for the `send` spans; default the global provider's `@celeriac/client`. */
  tracer?: Tracer;
  /** Meter for the send metrics; default the global provider's `@celeriac/client`. */
  meter?: Meter;
  /**
   * The broker's host and port, for the `server.address`/`server.port` telemetry
   * attributes (a transport does not tell them); the `celeriac` front door passes them
   * from the broker URL.
   */
  server?: ServerAddress;
  /** Close `transport` when the client closes; default false (the caller owns it). */
  ownTransport?: boolean;
  /** Close `backend` when the client closes; default false (the caller owns it). */
  ownBackend?: boolean;
  /**
   * Where chord sizes are set when it is not `backend` (a worker's client reads no
   * results, yet the chords it sends need counting). Default: `backend`.
   */
  canvasBackend?: ResultBackend;
  /**
   * Compress (zlib, `application/x-gzip`, which every Celery worker reads) message
   * bodies larger than this many bytes, e.g. `64 * 1024`. Default: never, as Celery.
   */
  compressAbove?: number;
  /**
   * Refuse to publish messages larger than this (`MessageTooLargeError`). Default by
   * transport: Redis 512 MiB (its string limit), RabbitMQ 128 MiB (its default
   * `max_message_size`), memory 512 MiB.
   */
  maxMessageBytes?: number;
  /** The clock for `countdown`, `expires` and revoke headers; default `new Date()`. */
  now?: () => Date;
  /**
   * Where the client logs what it does not throw: a failed `beforeTaskPublish` /
   * `afterTaskPublish` handler. The worker's `Logger` fits; default `console.error`.
   */
  logger?: SignalLogger;
  /**
   * Sign every task message with Celery's `auth` serializer (`task_serializer = 'auth'`,
   * what `app.setup_security()` sets up): Celery's `security_key`,
   * `security_certificate`, `security_cert_store` and `security_digest` as `key`,
   * `cert`, `store`, `digest` (file contents: this package reads no files), or an
   * `AuthSerializer` from `createMessageSecurity`. Python workers configured with
   * `accept_content = ['auth']` and celeriac workers given the same store verify and run
   * what it sends. Only the body is signed (headers are not). A key or certificate that
   * cannot sign throws `SecurityConfigError` from `createClient`.
   */
  security?: MessageSecurityOptions | AuthSerializer;
  /**
   * Options of `client.control` (reply timeout, `controlKey`, …); it always uses the
   * client's transport, clock and publish retry unless these say otherwise. Give it the
   * cluster's control key (`control: { controlKey }`) and every changing command it and
   * `client.revoke` send is signed.
   */
  control?: Omit<ControlOptions, 'transport' | 'ownTransport'>;
}

/** Lifecycle of a client. */
export const ClientState = {
  /** Sending; the initial state. */
  open: 'open',
  /** `close()` was called; in-flight sends finish, new ones throw `ClosedError`. */
  closing: 'closing',
  closed: 'closed',
} as const;
/** One of the values of {@link ClientState}. */
export type ClientState = (typeof ClientState)[keyof typeof ClientState];
