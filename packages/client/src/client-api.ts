/**
 * What a client offers: the {@link Client} interface `createClient` returns.
 */
import type {
  AnyMessageContract,
  MessageSubscription,
  PayloadOf,
  ResultBackend,
  SignatureJson,
  Transport,
} from '@celeriac/protocol';
import type { AsyncResult } from './async-result.js';
import type { ResultOfSignature } from './canvas/canvas-types.js';
import type { GroupSignature } from './canvas/group.js';
import type { GroupResult } from './canvas/group-result.js';
import type { ClientState } from './client-options.js';
import type { Control } from './control/control.js';
import type { Published, PublishOptions } from './publish.js';
import type { RevokeOptions } from './revoke.js';
import type { SendTaskOptions } from './send-options.js';
import type { AnyTaskContract, TaskProducer } from './task-producer.js';

/** Options of {@link Client.sendSignature}: the call's arguments and option overrides. */
export interface SendSignatureOptions extends SendTaskOptions {
  /** Prepended to the signature's arguments unless it is immutable (a parent's result). */
  args?: readonly unknown[];
  /** Merged over the signature's keyword arguments. */
  kwargs?: Record<string, unknown>;
}

/**
 * A task producer. `AsyncDisposable`: `await using client = createClient(…)`.
 *
 * Ownership: the client never closes the transport or backend it was given unless
 * `ownTransport`/`ownBackend` say so; closing the client only stops it sending.
 */
export interface Client extends AsyncDisposable {
  /** `open`, `closing` or `closed`. */
  readonly state: ClientState;
  readonly transport: Transport;
  readonly backend: ResultBackend | undefined;
  /** The `origin` header sent with every task. */
  readonly origin: string;
  /** This client's reply queue name (kombu's oid), sent as `reply_to`. */
  readonly oid: string;

  /**
   * Send a task by name (Celery's `send_task`): resolves once the broker holds the
   * message. Rejects with `PublishError`/`ConnectionLostError` naming the task and id
   * (after the publish retries), `EncodeError` for values JSON cannot carry, and
   * `ClosedError` once the client is closing.
   */
  sendTask<T = unknown>(
    name: string,
    args?: readonly unknown[],
    kwargs?: Record<string, unknown>,
    options?: SendTaskOptions,
  ): Promise<AsyncResult<T>>;

  /**
   * Send a plain task signature with the options it carries (Celery's
   * `sig.apply_async(args, kwargs, **options)`). Chains, groups and chords are sent by
   * the canvas functions, not here.
   */
  sendSignature<T = unknown>(
    signature: SignatureJson,
    options?: SendSignatureOptions,
  ): Promise<AsyncResult<T>>;

  /**
   * Send a canvas — a signature, `chain`, `group`, `chord`, `map`, `starmap`, `chunks`
   * — as Celery 5.2 does: ids assigned first, then published. Resolves with the result
   * handle: the last step's for a chain, the body's for a chord, a {@link GroupResult}
   * for a group. A chord needs a result backend that counts parts (memory, Redis):
   * `ChordsUnsupportedError` otherwise. Options apply to the first tasks published.
   */
  send<S extends GroupSignature<readonly unknown[], unknown>>(
    canvas: S,
    options?: SendSignatureOptions,
  ): Promise<GroupResult<ResultOfSignature<S>>>;
  send<S extends SignatureJson>(
    canvas: S,
    options?: SendSignatureOptions,
  ): Promise<AsyncResult<ResultOfSignature<S>>>;

  /** A group's result from its id and member ids (Celery's `GroupResult(id, results)`). */
  groupResult(groupId: string, taskIds: readonly string[]): GroupResult;

  /** A group saved with `GroupResult.save()` (here or by Python), undefined if none. */
  restoreGroup(groupId: string): Promise<GroupResult | undefined>;

  /** A typed producer for a task contract: `client.task(add).delay(2, 3)`. */
  task<C extends AnyTaskContract>(contract: C): TaskProducer<C>;

  /**
   * Publish an event or document: the payload is checked against the contract's schema
   * (and each subscriber task's `args` schema) — `ValidationError` before anything is
   * sent — then one task per matching subscription is sent to its queue with
   * `[payload]`. No matching subscription is allowed (`tasks` is empty). With a
   * `dedupKey`, a second publish within the TTL sends nothing and returns the first's
   * id and task handles (`duplicate: true`).
   */
  publish<C extends AnyMessageContract>(
    message: C,
    payload: PayloadOf<C>,
    options?: PublishOptions,
  ): Promise<Published>;
  /** Publish under a bare event name (a bridge for messages without a contract). */
  publish(name: string, payload: unknown, options?: PublishOptions): Promise<Published>;

  /** Add a subscription (see `defineSubscription`); returns the function that removes it. */
  subscribe(subscription: MessageSubscription): () => void;

  /** The subscriptions `publish` fans out to, in the order added. */
  readonly subscriptions: readonly MessageSubscription[];

  /** A result handle for a task id (Celery's `AsyncResult(id)`). */
  asyncResult<T = unknown>(id: string): AsyncResult<T>;

  /** Broadcast `revoke` for one or more task ids to every worker (or `destination`). */
  revoke(taskId: string | readonly string[], options?: RevokeOptions): Promise<void>;

  /**
   * The control client on this client's transport (Celery's `app.control`), created on
   * first use with the client's `control` options and closed with the client.
   */
  readonly control: Control;

  /**
   * Stop sending: new sends reject with `ClosedError`, sends in flight finish, then an
   * owned transport/backend is closed. Idempotent: the same promise each time.
   */
  close(): Promise<void>;
}
