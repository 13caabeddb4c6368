/**
 * The control client, Celery's `app.control`: broadcasts on the `celery.pidbox` fanout
 * exchange that every worker's mailbox is bound to (Python Celery and celeriac alike),
 * and — for inspect commands and `reply: true` — collects the answers on a reply queue of
 * its own, matched by ticket. Used by the CLI's `inspect`/`control`, the dashboard and
 * `app.control`.
 */
import {
  ClosedError,
  ControlCommandKind,
  controlCommandKind,
  controlKeyBytes,
  encodeControlRequest,
  signControlRequest,
  ExchangeType,
  Pidbox,
  uuid4,
  type BrokerMessage,
  type Transport,
} from '@celeriac/protocol';
import {
  DEFAULT_RETRY_POLICY,
  publishFailure,
  publishWithRetry,
  type RetryPolicy,
} from '../publish-retry.js';
import { PIDBOX_EXCHANGE } from '../revoke.js';
import { planBroadcast } from './broadcast-request.js';
import { InspectCommand } from './control-commands.js';
import type {
  BroadcastCommandOptions,
  BroadcastOptions,
  ControlLogger,
  ControlOptions,
  ControlSigner,
  InspectOptions,
} from './control-options.js';
import type { NodeReplies, OkReply } from './control-replies.js';
import { createInspect, type Inspect } from './inspect.js';
import { ReplyQueue } from './reply-queue.js';
import { WorkerCommandsBase, type WorkerCommands } from './worker-commands.js';

/** Lifecycle of a control client. */
export const ControlState = {
  open: 'open',
  /** `close()` was called: broadcasts in flight finish, new ones throw `ClosedError`. */
  closing: 'closing',
  closed: 'closed',
} as const;
/** One of the values of {@link ControlState}. */
export type ControlState = (typeof ControlState)[keyof typeof ControlState];

/**
 * Celery's `app.control`. Changing commands are casts by default (`reply: false`, as in
 * Celery) and resolve with `{}` once published; with `reply: true` they resolve with
 * each worker's `{ok}`/`{error}`. `AsyncDisposable`.
 */
export interface Control extends WorkerCommands, AsyncDisposable {
  readonly state: ControlState;
  readonly transport: Transport;
  /** This client's reply queue id. */
  readonly oid: string;
  /** Read-only questions to the workers: `await control.inspect().active()`. */
  inspect(options?: InspectOptions): Inspect;
  /** Any command by its wire name (`celery control` / kombu's `broadcast`). */
  broadcast<T = unknown>(
    command: string,
    options?: BroadcastCommandOptions,
  ): Promise<Record<string, T>>;
  /** `{ok: 'pong'}` from each live worker (always waits for replies). */
  ping(options?: BroadcastOptions): Promise<NodeReplies<OkReply>>;
  /**
   * Stop: new calls reject with `ClosedError`, calls in flight finish (their reply
   * queue is removed), then an owned transport closes. Idempotent.
   */
  close(): Promise<void>;
}

const consoleLogger: ControlLogger = { warn: (message, fields) => console.warn(message, fields) };

class CeleriacControl extends WorkerCommandsBase implements Control {
  readonly transport: Transport;
  readonly oid: string;
  #state: ControlState = ControlState.open;
  #clock = 0;
  #prepared: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #replies: ReplyQueue;
  readonly #timeoutMs: number;
  readonly #sign: ControlSigner | undefined;
  readonly #controlKey: Uint8Array | undefined;
  readonly #signReadOnly: boolean;
  readonly #retry: boolean;
  readonly #policy: Required<RetryPolicy>;
  readonly #now: () => Date;
  readonly #ownTransport: boolean;

  constructor(options: ControlOptions) {
    super();
    this.transport = options.transport;
    this.oid = options.oid ?? uuid4();
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#sign = options.sign;
    // Checked now, so a short key fails at start-up rather than at the first command.
    this.#controlKey =
      options.controlKey === undefined ? undefined : controlKeyBytes(options.controlKey);
    this.#signReadOnly = options.signReadOnly ?? false;
    const retry = options.publishRetry ?? true;
    this.#retry = retry !== false;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...(typeof retry === 'object' ? retry : {}) };
    this.#now = options.now ?? (() => new Date());
    this.#ownTransport = options.ownTransport ?? false;
    this.#replies = new ReplyQueue({
      transport: this.transport,
      oid: this.oid,
      logger: options.logger ?? consoleLogger,
      prepare: () => this.#prepare(),
      observeClock: (clock) => {
        this.#clock = Math.max(this.#clock, clock) + 1;
      },
    });
  }

  get state(): ControlState {
    return this.#state;
  }

  inspect(options: InspectOptions = {}): Inspect {
    return createInspect(
      (command, args, o) => this.broadcast(command, { ...o, arguments: args, reply: true }),
      options,
    );
  }

  override broadcast<T = unknown>(
    command: string,
    options: BroadcastCommandOptions = {},
  ): Promise<Record<string, T>> {
    if (this.#state !== ControlState.open) {
      return Promise.reject(new ClosedError('control client'));
    }
    const ticket = options.reply === true ? uuid4() : undefined;
    const pending = (async () => {
      const defaults = { timeoutMs: this.#timeoutMs, oid: this.oid, ticket };
      const plan = planBroadcast(command, options, defaults);
      let message = encodeControlRequest(plan.request, {
        clock: ++this.#clock,
        timeout: plan.timeoutMs / 1000,
        now: this.#now().getTime(),
      });
      const key = this.#controlKey;
      if (
        key &&
        (this.#signReadOnly || controlCommandKind(command) === ControlCommandKind.changing)
      ) {
        message = signControlRequest(message, key, { now: this.#now().getTime() });
      }
      if (this.#sign) message = await this.#sign(message, plan.request);
      if (ticket === undefined) {
        await this.#publish(command, message);
        return {};
      }
      const collection = await this.#replies.collect(ticket, {
        limit: plan.limit,
        timeoutMs: plan.timeoutMs,
        onReply: options.onReply,
      });
      try {
        await this.#publish(command, message);
      } catch (error) {
        collection.cancel();
        throw error;
      }
      collection.start();
      return collection.replies;
    })();
    this.#inFlight.add(pending);
    const forget = () => this.#inFlight.delete(pending);
    pending.then(forget, forget);
    return pending as Promise<Record<string, T>>;
  }

  ping(options: BroadcastOptions = {}): Promise<NodeReplies<OkReply>> {
    return this.broadcast(InspectCommand.ping, { ...options, reply: true });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = ControlState.closing;
      await Promise.allSettled([...this.#inFlight]);
      await this.#replies.idle();
      try {
        if (this.#ownTransport) await this.transport.close();
      } finally {
        this.#state = ControlState.closed;
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Connect and declare both mailbox exchanges, once (again after a failure). */
  #prepare(): Promise<void> {
    if (!this.#prepared) {
      const prepared = (async () => {
        await this.transport.connect();
        await this.transport.declareExchange(PIDBOX_EXCHANGE);
        await this.transport.declareExchange({
          name: Pidbox.replyExchange,
          type: ExchangeType.direct,
          durable: false,
          autoDelete: false,
        });
      })();
      this.#prepared = prepared;
      prepared.catch(() => {
        // Surfaced to the caller that awaits it; the next call declares again.
        if (this.#prepared === prepared) this.#prepared = undefined;
      });
    }
    return this.#prepared;
  }

  async #publish(command: string, message: BrokerMessage): Promise<void> {
    try {
      await publishWithRetry(
        async () => {
          await this.#prepare();
          await this.transport.publish(message, { exchange: Pidbox.exchange, routingKey: '' });
        },
        { retry: this.#retry, policy: this.#policy },
      );
    } catch (error) {
      throw publishFailure(error, `cannot broadcast ${command}`);
    }
  }
}

/**
 * Create a control client.
 *
 * @example
 * ```ts
 * await using control = createControl({ transport });
 * const pongs = await control.ping({ timeoutMs: 500 }); // { 'celery@host': { ok: 'pong' } }
 * // Changing commands are signed with the cluster's control key when given one:
 * await using admin = createControl({ transport, controlKey: readFileSync(keyFile) });
 * await admin.shutdown({ destination: ['w1@host'] });
 * const active = await control.inspect({ destination: ['celery@host'] }).active();
 * await control.rateLimit('shop.email.send', '10/s', { reply: true });
 * ```
 */
export function createControl(options: ControlOptions): Control {
  return new CeleriacControl(options);
}
