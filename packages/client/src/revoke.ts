/**
 * Celery's `control.revoke` (celery-wire.md §6): a cast (no reply expected) on the
 * remote-control mailbox — fanout exchange `celery.pidbox`, routing key `""`, body
 * `{method: 'revoke', arguments: {task_id, terminate, signal}, destination, pattern,
 * matcher}`, headers `{clock, expires}` with `expires` = now + 1 s (Celery's broadcast
 * timeout) in Unix seconds. Encoded with the protocol's `encodeControlRequest`.
 */
import { encodeControlRequest, ExchangeType, Pidbox } from '@celeriac/protocol';
import type { BrokerMessage, ExchangeSpec, Route } from '@celeriac/protocol';

/** The mailbox exchange of the default `control_exchange` (`celery`), as kombu declares it. */
export const PIDBOX_EXCHANGE: Readonly<ExchangeSpec> = Object.freeze({
  name: Pidbox.exchange,
  type: ExchangeType.fanout,
  durable: false,
  autoDelete: false,
});

/** Celery's `broadcast(timeout=1.0)`: how long the request stays valid, in seconds. */
const BROADCAST_TIMEOUT = 1;

/** Options of a revoke. */
export interface RevokeOptions {
  /** Also kill the task if it is running (the worker signals or aborts it). */
  terminate?: boolean;
  /** Signal name for `terminate`; default `SIGTERM`. */
  signal?: string;
  /** Only these worker node names act (`destination`); default all. */
  destination?: readonly string[];
}

/** What {@link encodeRevokeMessage} needs besides the options. */
export interface RevokeContext {
  /** Lamport clock value for the `clock` header. */
  clock: number;
  now: Date;
}

/** The broadcast message and its route. */
export interface RevokeMessage {
  message: BrokerMessage;
  route: Route;
}

/** Build the `revoke` broadcast for one task id or several. */
export function encodeRevokeMessage(
  taskId: string | readonly string[],
  options: RevokeOptions,
  ctx: RevokeContext,
): RevokeMessage {
  const message = encodeControlRequest(
    {
      method: 'revoke',
      arguments: {
        task_id: typeof taskId === 'string' ? taskId : [...taskId],
        terminate: options.terminate ?? false,
        signal: options.signal ?? 'SIGTERM',
      },
      destination: options.destination === undefined ? null : [...options.destination],
      pattern: null,
      matcher: null,
    },
    { clock: ctx.clock, timeout: BROADCAST_TIMEOUT, now: ctx.now.getTime() },
  );
  return { message, route: { exchange: PIDBOX_EXCHANGE.name, routingKey: '' } };
}
