/**
 * Remote control over the pidbox (kombu's `Mailbox`): the worker consumes
 * `<node>.celery.pidbox` bound to the fanout `celery.pidbox`, runs the command for
 * requests addressed to it, and replies `{<node>: value}` to `reply.celery.pidbox` with
 * the request's `ticket`. Stopping only cancels the consumer: the queue is auto-delete
 * with an expiry, and another live worker with the same node name may still use it.
 *
 * A request that would change the worker runs only when the scope's authorizer allows it
 * (signed with the control key, or unsigned ones allowed): a refusal is logged on one
 * line naming the command and the caller, and answered `{error: …}` so that the caller
 * learns why instead of waiting for a timeout.
 */
import {
  decodeControlRequest,
  encodeControlReply,
  errorReply,
  matchesDestination,
  Pidbox,
  type ControlRequest,
  type Delivery,
  type Subscription,
} from '@celeriac/protocol';
import { CONTROL_COMMANDS } from './control-commands.js';
import { INSPECT_COMMANDS } from './inspect-commands.js';
import { NO_REPLY, type ControlCommand, type ControlScope } from './scope.js';

const COMMANDS: Readonly<Record<string, ControlCommand>> = {
  ...INSPECT_COMMANDS,
  ...CONTROL_COMMANDS,
};

/** Serves remote-control requests for one worker. */
export class RemoteControl {
  readonly #scope: ControlScope;
  #subscription: Subscription | undefined;
  readonly #queue: string;
  #localClock = 0;

  constructor(scope: ControlScope) {
    this.#scope = scope;
    this.#queue = Pidbox.queue(scope.hostname);
  }

  /** Declare the pidbox and start answering. */
  async start(): Promise<void> {
    const transport = this.#scope.transport;
    await transport.declareExchange({ name: Pidbox.exchange, type: 'fanout', durable: false });
    await transport.declareExchange({ name: Pidbox.replyExchange, type: 'direct', durable: false });
    await transport.declareQueue({
      name: this.#queue,
      durable: false,
      autoDelete: true,
      expiresMs: 10_000,
      messageTtlMs: 300_000,
    });
    await transport.bindQueue({ queue: this.#queue, exchange: Pidbox.exchange, routingKey: '' });
    this.#subscription = await transport.consume([this.#queue], (d) => void this.#handle(d), {
      prefetch: 0,
      consumerTag: `${this.#scope.hostname}-pidbox`,
    });
  }

  /** Stop answering (the queue stays: it expires by itself once unused). */
  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    try {
      await subscription?.cancel();
    } catch (error) {
      this.#scope.logger.warn('Could not cancel the pidbox consumer', {
        queue: this.#queue,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #handle(delivery: Delivery): Promise<void> {
    const scope = this.#scope;
    try {
      await delivery.ack();
    } catch (error) {
      // Pidbox messages are transient and expire: a lost ack costs at most a repeat.
      scope.logger.warn('Could not ack a pidbox message', {
        queue: delivery.queue,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    let request: ControlRequest;
    try {
      request = decodeControlRequest(delivery.message);
    } catch (error) {
      scope.logger.warn('Ignoring a malformed pidbox message', {
        queue: delivery.queue,
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (!matchesDestination(request, scope.hostname)) return;
    // An unknown command runs nothing: it gets Celery's KeyError, signed or not. Mingle's
    // `hello` (Python workers send it unsigned at start) changes nothing here: this worker
    // answers it without merging the sender's revoked ids, so it needs no signature.
    const verdict =
      COMMANDS[request.method] && request.method !== 'hello'
        ? scope.authorizer.authorize(delivery.message, request)
        : ({ allowed: true } as const);
    const reply = verdict.allowed ? await this.#run(request) : this.#refuse(verdict.error.message);
    if (reply === NO_REPLY || !request.replyTo || request.ticket === undefined) return;
    const clock = scope.events?.tick() ?? ++this.#localClock;
    try {
      await scope.transport.publish(
        encodeControlReply(scope.hostname, reply, { ticket: request.ticket, clock }),
        { exchange: request.replyTo.exchange, routingKey: request.replyTo.routingKey },
      );
    } catch (error) {
      scope.logger.warn('Could not send a pidbox reply', {
        method: request.method,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #refuse(reason: string): unknown {
    this.#scope.logger.warn(`Remote control: ${reason}`);
    return { error: reason };
  }

  async #run(request: ControlRequest): Promise<unknown> {
    const scope = this.#scope;
    const command = COMMANDS[request.method];
    if (!command) {
      scope.logger.error('pidbox command error: unknown command', { method: request.method });
      return errorReply(`KeyError('${request.method}')`);
    }
    try {
      return await command(scope, request.arguments);
    } catch (error) {
      scope.logger.error('pidbox command error', {
        method: request.method,
        error: error instanceof Error ? error.message : String(error),
      });
      return {
        error: error instanceof Error ? `${error.name}('${error.message}')` : String(error),
      };
    }
  }
}
