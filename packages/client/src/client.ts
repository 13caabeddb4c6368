/**
 * The producer: `createClient` → a {@link Client} that publishes Celery 5.2 protocol v2
 * task messages through a `Transport` and hands back `AsyncResult`s read through a
 * `ResultBackend`. It owns neither (unless told to): several clients and a worker may
 * share one transport.
 */
import { anonNodename, ClosedError, generateOid, uuid4 } from '@celeriac/protocol';
import type {
  AnyMessageContract,
  MessageSubscription,
  ResultBackend,
  SignatureJson,
  Transport,
} from '@celeriac/protocol';
import { randomInt } from 'node:crypto';
import { AsyncResult, type AsyncResultHost } from './async-result.js';
import { applyFrozen, withTail, type CanvasHost, type Tail } from './canvas/apply-canvas.js';
import { freeze, resultOf, unitOf, type FrozenResult } from './canvas/freeze.js';
import { GroupResult } from './canvas/group-result.js';
import { sendOnce } from './dedup.js';
import { signerOf } from './client-security.js';
import { NoResultBackendError } from './errors.js';
import {
  publishMessage,
  SubscriptionRegistry,
  type Published,
  type PublishHost,
  type PublishOptions,
} from './publish.js';
import { defaultMaxMessageBytes } from './message-size.js';
import type { Client, SendSignatureOptions } from './client-api.js';
import { ClientState, type ClientOptions } from './client-options.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './publish-retry.js';
import { createControl, type Control } from './control/control.js';
import type { RevokeOptions } from './revoke.js';
import { Router } from './routing.js';
import type { SendTaskOptions } from './send-options.js';
import { sendTask, type SendContext } from './send-task.js';
import { fromSignatureOptions } from './signature-options.js';
import { createTaskProducer, type AnyTaskContract, type TaskProducer } from './task-producer.js';
import {
  defaultMeter,
  defaultTracer,
  withUnitSpan,
  type ServerAddress,
  type UnitRecorder,
} from './telemetry.js';
import { Topology } from './topology.js';

/** Random per process, like Python's `uuid.getnode()` is per machine. */
const NODE_ID = randomInt(2 ** 47);
let instances = 0;

class CeleriacClient implements Client {
  readonly transport: Transport;
  readonly backend: ResultBackend | undefined;
  readonly origin: string;
  readonly oid: string;
  #state: ClientState = ClientState.open;
  #closing: Promise<void> | undefined;
  #connecting: Promise<void> | undefined;
  #control: Control | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #sendContext: SendContext;
  readonly #topology: Topology;
  readonly #retry: boolean;
  readonly #policy: Required<RetryPolicy>;
  readonly #now: () => Date;
  readonly #ownTransport: boolean;
  readonly #ownBackend: boolean;
  readonly #host: AsyncResultHost;
  readonly #canvasBackend: ResultBackend | undefined;
  readonly #controlOptions: ClientOptions['control'];
  readonly #server: ServerAddress | undefined;
  readonly #subscriptions: SubscriptionRegistry;
  readonly #publishHost: PublishHost;

  constructor(options: ClientOptions) {
    this.transport = options.transport;
    this.backend = options.backend;
    const hostname = options.hostname ?? process.env['HOSTNAME'] ?? 'localhost';
    this.origin = options.origin ?? anonNodename(process.pid, hostname);
    this.oid = generateOid(NODE_ID, process.pid, 0, ++instances);
    this.#topology = new Topology(options.transport);
    const retry = options.publishRetry ?? true;
    this.#retry = retry !== false;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...(typeof retry === 'object' ? retry : {}) };
    this.#now = options.now ?? (() => new Date());
    this.#ownTransport = options.ownTransport ?? false;
    this.#ownBackend = options.ownBackend ?? false;
    this.#host = { backend: this.backend, revoke: (id, o) => this.revoke(id, o) };
    this.#canvasBackend = options.canvasBackend ?? options.backend;
    this.#controlOptions = options.control;
    const tracer = options.tracer;
    const meter = options.meter;
    this.#server = options.server;
    this.#sendContext = {
      transport: this.transport,
      backend: this.backend,
      router: new Router(options.routes, options.queues, options.defaultQueue ?? 'celery'),
      topology: this.#topology,
      connect: () => this.#connect(),
      // Looked up per send when not given, so a provider registered later is used.
      get tracer() {
        return tracer ?? defaultTracer();
      },
      meter: () => meter ?? defaultMeter(),
      server: options.server,
      now: this.#now,
      origin: this.origin,
      oid: this.oid,
      defaults: options.taskDefaults ?? {},
      retry: this.#retry,
      policy: this.#policy,
      limits: {
        compressAbove: options.compressAbove,
        maxBytes: options.maxMessageBytes ?? defaultMaxMessageBytes(options.transport.kind),
        transportKind: options.transport.kind,
      },
      logger: options.logger,
      auth: signerOf(options.security),
    };
    this.#subscriptions = new SubscriptionRegistry(options.subscriptions);
    this.#publishHost = {
      backend: this.backend,
      logger: options.logger,
      subscriptions: this.#subscriptions,
      now: this.#now,
      // The publish is tracked as a whole: its sends must go on while the client closes.
      send: (name, args, o) => this.#sendNow(name, args, {}, o, undefined),
      handle: (id, name) => new AsyncResult(id, this.#host, { name }),
    };
  }

  get state(): ClientState {
    return this.#state;
  }

  get subscriptions(): readonly MessageSubscription[] {
    return this.#subscriptions.list();
  }

  subscribe(subscription: MessageSubscription): () => void {
    return this.#subscriptions.add(subscription);
  }

  publish(
    message: AnyMessageContract | string,
    payload: unknown,
    options: PublishOptions = {},
  ): Promise<Published> {
    return this.#track(() => publishMessage(this.#publishHost, message, payload, options));
  }

  sendTask<T = unknown>(
    name: string,
    args: readonly unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: SendTaskOptions = {},
  ): Promise<AsyncResult<T>> {
    return this.#send<T>(name, args, kwargs, options, undefined);
  }

  sendSignature<T = unknown>(
    signature: SignatureJson,
    options: SendSignatureOptions = {},
  ): Promise<AsyncResult<T>> {
    if (signature.subtask_type !== null) {
      return this.#sendCanvas(signature, options).then((result) =>
        result instanceof GroupResult
          ? new AsyncResult<T>(result.id, this.#host)
          : (result as AsyncResult<T>),
      );
    }
    const { args = [], kwargs = {}, ...overrides } = options;
    const callArgs = signature.immutable ? signature.args : [...args, ...signature.args];
    return this.#send<T>(
      signature.task,
      callArgs,
      { ...signature.kwargs, ...kwargs },
      { ...fromSignatureOptions(signature.options), ...overrides },
      undefined,
    );
  }

  send(canvas: SignatureJson, options: SendSignatureOptions = {}): Promise<never> {
    return this.#sendCanvas(canvas, options) as Promise<never>;
  }

  groupResult(groupId: string, taskIds: readonly string[]): GroupResult {
    return new GroupResult(
      groupId,
      taskIds.map((id) => new AsyncResult(id, this.#host)),
      this.#host,
    );
  }

  async restoreGroup(groupId: string): Promise<GroupResult | undefined> {
    const backend = this.backend;
    if (!backend) throw new NoResultBackendError(groupId);
    await backend.connect();
    const saved = await backend.getGroup(groupId);
    return saved && this.groupResult(saved.groupId, saved.taskIds);
  }

  #sendCanvas(
    canvas: SignatureJson,
    options: SendSignatureOptions,
  ): Promise<AsyncResult | GroupResult> {
    return this.#track(async () => {
      const { args, kwargs, parentId, rootId, chain, chord, groupId, groupIndex, ...overrides } =
        options;
      // Every task signature gets this client's reply queue (Celery's freeze does), so
      // the steps workers send later reply here: rpc:// canvases return.
      const replyTo = overrides.replyTo ?? this.backend?.replyTo ?? this.oid;
      const frozen = freeze(canvas, { replyTo });
      const tail: Tail = {};
      if (chain && chain.length > 0) tail.chain = chain;
      if (chord !== undefined) tail.chord = chord;
      if (groupId !== undefined) tail.groupId = groupId;
      if (groupIndex !== undefined) tail.groupIndex = groupIndex;
      const unit = unitOf(frozen);
      const apply = async (recorder?: UnitRecorder) => {
        const host: CanvasHost = {
          backend: this.#canvasBackend,
          replyTo,
          send: async (task) => {
            const sent = await sendTask(this.#sendContext, task);
            recorder?.sent(sent.destination);
            return sent;
          },
        };
        // Each member keeps Celery's root id (its own, as Celery 5.2 sends it); the
        // members share the group id as the conversation id of their spans instead
        // (`conversationIdOf`).
        const root = rootId;
        await applyFrozen(
          host,
          frozen,
          {
            ...(args === undefined ? {} : { args }),
            ...(kwargs === undefined ? {} : { kwargs }),
            ...(parentId === undefined ? {} : { parentId }),
            ...(root === undefined ? {} : { rootId: root }),
            overrides,
          },
          tail,
        );
      };
      if (unit) {
        const info = { ...unit, transportKind: this.transport.kind, server: this.#server };
        await withUnitSpan(this.#sendContext.tracer, info, apply);
      } else {
        await apply();
      }
      return this.#handle(resultOf(tail.chain ? withTail(frozen, tail) : frozen));
    });
  }

  #handle(result: FrozenResult): AsyncResult | GroupResult {
    if (result.kind === 'task') return new AsyncResult(result.id, this.#host);
    return new GroupResult(
      result.id,
      result.members.map((m) => this.#handle(m)),
      this.#host,
    );
  }

  task<C extends AnyTaskContract>(contract: C): TaskProducer<C> {
    return createTaskProducer(contract, (name, args, kwargs, options, parse) =>
      this.#send(name, args, kwargs, options, parse),
    );
  }

  asyncResult<T = unknown>(id: string): AsyncResult<T> {
    return new AsyncResult<T>(id, this.#host);
  }

  get control(): Control {
    this.#control ??= createControl({
      now: this.#now,
      publishRetry: this.#retry ? this.#policy : false,
      ...this.#controlOptions,
      transport: this.transport,
    });
    return this.#control;
  }

  revoke(taskId: string | readonly string[], options: RevokeOptions = {}): Promise<void> {
    return this.#track(async () => {
      const { destination, ...rest } = options;
      await this.control.revoke(taskId, {
        ...rest,
        ...(destination === undefined ? {} : { destination }),
      });
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = ClientState.closing;
      await Promise.allSettled([...this.#inFlight]);
      // The control client's reply queue goes before the transport it lives on.
      const control = await Promise.allSettled(this.#control ? [this.#control.close()] : []);
      const closing: Promise<void>[] = [];
      if (this.#ownTransport) closing.push(this.transport.close());
      if (this.#ownBackend && this.backend) closing.push(this.backend.close());
      const results = [...control, ...(await Promise.allSettled(closing))];
      this.#state = ClientState.closed;
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #track<T>(run: () => Promise<T>): Promise<T> {
    if (this.#state !== ClientState.open) return Promise.reject(new ClosedError('client'));
    const pending = run();
    this.#inFlight.add(pending);
    const forget = () => this.#inFlight.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  #connect(): Promise<void> {
    if (!this.#connecting) {
      const connecting = this.transport.connect();
      this.#connecting = connecting;
      connecting.catch(() => {
        if (this.#connecting === connecting) this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  #send<T>(
    name: string,
    args: readonly unknown[],
    kwargs: Record<string, unknown>,
    options: SendTaskOptions,
    parse: ((value: unknown) => T) | undefined,
  ): Promise<AsyncResult<T>> {
    return this.#track(() => this.#sendNow(name, args, kwargs, options, parse));
  }

  /** One send (deduplicated when asked), not tracked: callers track it. */
  async #sendNow<T>(
    name: string,
    args: readonly unknown[],
    kwargs: Record<string, unknown>,
    options: SendTaskOptions,
    parse: ((value: unknown) => T) | undefined,
  ): Promise<AsyncResult<T>> {
    const id = options.taskId ?? uuid4();
    const task = { name, args, kwargs, options: { ...options, taskId: id } };
    const outcome = await sendOnce(
      this.backend,
      options,
      id,
      () => sendTask(this.#sendContext, task),
      this.#sendContext.logger,
    );
    const ignored = outcome.sent ? outcome.value.ignored : false;
    const taskId = outcome.sent ? outcome.value.id : outcome.id;
    return new AsyncResult<T>(taskId, this.#host, { name, ignored, parse });
  }
}

/**
 * Create a client.
 *
 * @example
 * ```ts
 * await using client = createClient({ transport, backend, routes: { 'shop.email.*': 'email' } });
 * const result = await client.sendTask<number>('proj.add', [2, 3], {}, { countdown: 10 });
 * console.log(await result.get({ timeoutMs: 30_000 }));
 * ```
 */
export function createClient(options: ClientOptions): Client {
  return new CeleriacClient(options);
}
