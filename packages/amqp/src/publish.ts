/**
 * Publishing with publisher confirms. A publish resolves only on the broker's ack; a
 * nack is a `PublishError`. When the channel or connection goes away before the
 * confirm, the outcome is unknown, so the message is published again once the
 * connection is back (at-least-once: a duplicate is possible, a loss is not). A publish
 * that cannot be confirmed within the timeout fails with `ConnectionLostError` (no
 * connection) or `PublishError` (connected but unconfirmed, e.g. a blocked broker).
 */
import type { BrokerMessage, Route } from '@celeriac/protocol';
import { ConnectionLostError, PublishError } from '@celeriac/protocol';
import type { ConfirmChannel } from 'amqplib';
import type { AmqpConnection, LiveConnection } from './amqp-connection.js';
import type { ChannelSlot } from './channel-slot.js';
import { bodyBuffer, toPublishOptions } from './message-properties.js';

/** The channel or connection went away before the broker confirmed: publish again. */
class ConfirmLost extends Error {}

/** What {@link publishWithConfirm} needs. */
export interface PublishRequest {
  connection: AmqpConnection;
  publisher: ChannelSlot<ConfirmChannel>;
  verifyExchange: (live: LiveConnection, exchange: string) => Promise<void>;
  message: BrokerMessage;
  route: Route;
  timeoutMs: number;
  signal?: AbortSignal;
}

function describe(route: Route): string {
  return route.exchange === ''
    ? `publish to queue ${JSON.stringify(route.routingKey)}`
    : `publish to exchange ${JSON.stringify(route.exchange)} (key ${JSON.stringify(route.routingKey)})`;
}

/** Publish `message` and resolve once the broker confirmed it; see the module comment. */
export async function publishWithConfirm(request: PublishRequest): Promise<void> {
  const { connection, route, signal } = request;
  const what = describe(route);
  const content = bodyBuffer(request.message.body);
  const options = toPublishOptions(request.message);
  const deadline = Date.now() + request.timeoutMs;
  let lastLoss: unknown;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ConnectionLostError(
        `${what}: not confirmed within ${request.timeoutMs} ms; the connection was lost (${attempt - 1} attempts)`,
        { cause: lastLoss },
      );
    }
    const live = await connection.whenConnected(remaining, what, signal);
    try {
      if (route.exchange !== '') {
        try {
          await request.verifyExchange(live, route.exchange);
        } catch (cause) {
          if (connection.live?.generation !== live.generation)
            throw new ConfirmLost('connection lost');
          throw new PublishError(`${what}: the exchange does not exist on the broker`, { cause });
        }
      }
      const channel = await request.publisher.get(live).catch((cause: unknown) => {
        throw new ConfirmLost('could not open the publisher channel', { cause });
      });
      await confirmOnce(channel, route, content, options, deadline - Date.now(), what, signal);
      return;
    } catch (error) {
      if (!(error instanceof ConfirmLost)) throw error;
      lastLoss = error.cause ?? error;
    }
  }
}

function confirmOnce(
  channel: ConfirmChannel,
  route: Route,
  content: Buffer,
  options: ReturnType<typeof toPublishOptions>,
  timeoutMs: number,
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    // An abort reason is passed on as it is, Error or not.
    const onAbort = (): void => finish(signal?.reason as Error);
    const timer = setTimeout(
      () =>
        finish(
          new PublishError(
            `${what}: the broker did not confirm within the timeout (is it blocked?)`,
            {
              retryable: true,
            },
          ),
        ),
      Math.max(0, timeoutMs),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      channel.publish(route.exchange, route.routingKey, content, options, (error: unknown) => {
        if (error === null || error === undefined) finish();
        else if (error instanceof Error && error.message === 'message nacked') {
          finish(new PublishError(`${what}: the broker nacked the message`, { retryable: true }));
        } else finish(new ConfirmLost('channel closed before the confirm', { cause: error }));
      });
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) {
        // amqplib refuses headers over 64 KiB and values it cannot encode.
        finish(
          new PublishError(`${what}: the message cannot be encoded: ${error.message}`, {
            cause: error,
          }),
        );
      } else {
        finish(new ConfirmLost('the publisher channel is closed', { cause: error }));
      }
    }
  });
}
