/**
 * Remote control over the pidbox (kombu's `Mailbox`): the worker consumes
 * `<node>.celery.pidbox` bound to the fanout `celery.pidbox`, runs the command for
 * requests addressed to it, and replies `{<node>: value}` to `reply.celery.pidbox` with
 * the request's `ticket`.
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
import { CONTROL_COMMANDS, NO_REPLY, type ControlScope } from './control-commands.js';

/** Serves remote-control requests for one worker. */
export class RemoteControl {
  readonly #scope: ControlScope;
  #subscription: Subscription | undefined;
  readonly #queue: string;
  #localClock = 0;

  constructor(scope: ControlScope) {
    this.#scope = scope;
    this.#queue = Pidbox.queue(scope.rt.hostname);
  }

  /** Declare the pidbox and start answering. */
  async start(): Promise<void> {
    const transport = this.#scope.rt.transport;
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
      consumerTag: `${this.#scope.rt.hostname}-pidbox`,
    });
  }

  /** Stop answering and remove the pidbox queue. */
  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.cancel().catch(() => {});
    await this.#scope.rt.transport.deleteQueue(this.#queue).catch(() => {});
  }

  async #handle(delivery: Delivery): Promise<void> {
    const { rt } = this.#scope;
    await delivery.ack().catch(() => {});
    let request: ControlRequest;
    try {
      request = decodeControlRequest(delivery.message);
    } catch (error) {
      rt.logger.warn('Ignoring a malformed pidbox message', {
        queue: delivery.queue,
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (!matchesDestination(request, rt.hostname)) return;
    let reply: unknown;
    const command = CONTROL_COMMANDS[request.method];
    if (!command) {
      rt.logger.error('pidbox command error: unknown command', { method: request.method });
      reply = errorReply(`KeyError('${request.method}')`);
    } else {
      try {
        reply = command(this.#scope, request.arguments);
      } catch (error) {
        rt.logger.error('pidbox command error', {
          method: request.method,
          error: error instanceof Error ? error.message : String(error),
        });
        reply = {
          error: error instanceof Error ? `${error.name}('${error.message}')` : String(error),
        };
      }
    }
    if (reply === NO_REPLY || !request.replyTo || request.ticket === undefined) return;
    const clock = this.#scope.events?.tick() ?? ++this.#localClock;
    await rt.transport
      .publish(encodeControlReply(rt.hostname, reply, { ticket: request.ticket, clock }), {
        exchange: request.replyTo.exchange,
        routingKey: request.replyTo.routingKey,
      })
      .catch((error: unknown) => {
        rt.logger.warn('Could not send a pidbox reply', {
          method: request.method,
          error: error instanceof Error ? error.message : String(error),
        });
      });
  }
}
