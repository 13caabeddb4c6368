/**
 * Publishing with publisher confirms. A publish resolves only on the broker's ack; a
 * nack is a `PublishError`. When the channel or connection goes away before the
 * confirm, the outcome is unknown, so the message is published again once the
 * connection is back (at-least-once: a duplicate is possible, a loss is not). A publish
 * that cannot be confirmed within the timeout fails with `ConnectionLostError` (no
 * connection) or `PublishError` (connected but unconfirmed, e.g. a blocked broker).
 *
 * While connected, a publish goes straight onto the open confirm channel (no awaits
 * before `basic.publish`), and its timeout is one entry in a shared sweep rather than a
 * timer of its own: thousands of publishes a second must not each cost a timer.
 */
import type { BrokerMessage, Route } from '@celeriac/protocol';
import { ConnectionLostError, PublishError } from '@celeriac/protocol';
import type { ConfirmChannel, Options } from 'amqplib';
import type { AmqpConnection, LiveConnection } from './amqp-connection.js';
import type { ChannelSlot } from './channel-slot.js';
import { ConfirmDeadlines } from './confirm-deadlines.js';
import type { PendingDeadline } from './confirm-deadlines.js';
import { bodyBuffer, toPublishOptions } from './message-properties.js';
import { ConfirmOutcome, recordConfirm, recordRepublish } from './telemetry.js';

/** The channel or connection went away before the broker confirmed: publish again. */
class ConfirmLost extends Error {}

/** What a {@link ConfirmPublisher} needs from its transport. */
export interface ConfirmPublisherHost {
  connection: AmqpConnection;
  channel: ChannelSlot<ConfirmChannel>;
  /** True when `exchange` is known to exist on `live` (checked once per connection). */
  exchangeVerified: (live: LiveConnection, exchange: string) => boolean;
  verifyExchange: (live: LiveConnection, exchange: string) => Promise<void>;
  timeoutMs: number;
}

function describe(route: Route): string {
  return route.exchange === ''
    ? `publish to queue ${JSON.stringify(route.routingKey)}`
    : `publish to exchange ${JSON.stringify(route.exchange)} (key ${JSON.stringify(route.routingKey)})`;
}

/** One encoded publish and where it goes. */
interface Outgoing {
  readonly route: Route;
  readonly content: Buffer;
  readonly options: Options.Publish;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly startedAt: number;
}

/** Publishes with confirms on one transport's confirm channel; see the module comment. */
export class ConfirmPublisher {
  readonly #host: ConfirmPublisherHost;
  readonly #deadlines: ConfirmDeadlines;

  constructor(host: ConfirmPublisherHost) {
    this.#host = host;
    this.#deadlines = new ConfirmDeadlines(host.timeoutMs);
  }

  /** Publishes awaiting their confirm. */
  get pending(): number {
    return this.#deadlines.size;
  }

  /** Publish `message` and resolve once the broker confirmed it. */
  publish(message: BrokerMessage, route: Route, signal?: AbortSignal): Promise<void> {
    const startedAt = performance.now();
    let out: Outgoing;
    try {
      signal?.throwIfAborted();
      out = {
        route,
        content: bodyBuffer(message.body),
        options: toPublishOptions(message),
        deadline: Date.now() + this.#host.timeoutMs,
        signal,
        startedAt,
      };
    } catch (error) {
      // An abort reason is passed on as it is, Error or not.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    const live = this.#host.connection.live;
    const channel = live === undefined ? undefined : this.#host.channel.peek(live);
    if (
      live !== undefined &&
      channel !== undefined &&
      (route.exchange === '' || this.#host.exchangeVerified(live, route.exchange))
    ) {
      // The common case: connected, channel open, nothing to check first.
      return this.#confirmOnce(channel, out).then(
        () => recordConfirm(ConfirmOutcome.confirmed, route, startedAt),
        (error: unknown) => {
          if (error instanceof ConfirmLost) return this.#publishAgain(out, error.cause ?? error);
          throw this.#failed(error, route, startedAt);
        },
      );
    }
    return this.#publish(out, 1, undefined).then(
      () => recordConfirm(ConfirmOutcome.confirmed, route, startedAt),
      (error: unknown) => {
        throw this.#failed(error, route, startedAt);
      },
    );
  }

  #failed(error: unknown, route: Route, startedAt: number): unknown {
    recordConfirm(
      error instanceof PublishError && /nacked/.test(error.message)
        ? ConfirmOutcome.nacked
        : ConfirmOutcome.failed,
      route,
      startedAt,
    );
    return error;
  }

  #publishAgain(out: Outgoing, cause: unknown): Promise<void> {
    recordRepublish(out.route);
    return this.#publish(out, 2, cause).then(
      () => recordConfirm(ConfirmOutcome.confirmed, out.route, out.startedAt),
      (error: unknown) => {
        throw this.#failed(error, out.route, out.startedAt);
      },
    );
  }

  /** The careful path: wait for the connection, check the exchange, publish again on loss. */
  async #publish(out: Outgoing, firstAttempt: number, firstLoss: unknown): Promise<void> {
    const { connection } = this.#host;
    const { route, signal } = out;
    let lastLoss = firstLoss;
    for (let attempt = firstAttempt; ; attempt++) {
      signal?.throwIfAborted();
      const remaining = out.deadline - Date.now();
      if (remaining <= 0) {
        throw new ConnectionLostError(
          `${describe(route)}: not confirmed within ${this.#host.timeoutMs} ms; the connection was lost (${attempt - 1} attempts)`,
          { cause: lastLoss },
        );
      }
      const live = await connection.whenConnected(remaining, describe(route), signal);
      try {
        if (route.exchange !== '' && !this.#host.exchangeVerified(live, route.exchange)) {
          try {
            await this.#host.verifyExchange(live, route.exchange);
          } catch (cause) {
            if (connection.live?.generation !== live.generation)
              throw new ConfirmLost('connection lost');
            throw new PublishError(
              `${describe(route)}: the exchange does not exist on the broker`,
              {
                cause,
              },
            );
          }
        }
        const channel = await this.#host.channel.get(live).catch((cause: unknown) => {
          throw new ConfirmLost('could not open the publisher channel', { cause });
        });
        await this.#confirmOnce(channel, out);
        return;
      } catch (error) {
        if (!(error instanceof ConfirmLost)) throw error;
        lastLoss = error.cause ?? error;
        recordRepublish(route);
      }
    }
  }

  #confirmOnce(channel: ConfirmChannel, out: Outgoing): Promise<void> {
    const { route, signal } = out;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        this.#deadlines.delete(entry);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const entry: PendingDeadline = {
        deadline: out.deadline,
        expire: () =>
          finish(
            new PublishError(
              `${describe(route)}: the broker did not confirm within the timeout (is it blocked?)`,
              { retryable: true },
            ),
          ),
      };
      // An abort reason is passed on as it is, Error or not.
      const onAbort = (): void => finish(signal?.reason as Error);
      this.#deadlines.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        channel.publish(route.exchange, route.routingKey, out.content, out.options, (error) => {
          if (error === null || error === undefined) finish();
          else if (error instanceof Error && error.message === 'message nacked') {
            finish(
              new PublishError(`${describe(route)}: the broker nacked the message`, {
                retryable: true,
              }),
            );
          } else finish(new ConfirmLost('channel closed before the confirm', { cause: error }));
        });
      } catch (error) {
        if (error instanceof RangeError || error instanceof TypeError) {
          // amqplib refuses headers over 64 KiB and values it cannot encode.
          finish(
            new PublishError(
              `${describe(route)}: the message cannot be encoded: ${error.message}`,
              {
                cause: error,
              },
            ),
          );
        } else {
          finish(new ConfirmLost('the publisher channel is closed', { cause: error }));
        }
      }
    });
  }

  /** Stop the deadline sweep (the transport is closing). */
  stop(): void {
    this.#deadlines.stop();
  }
}
