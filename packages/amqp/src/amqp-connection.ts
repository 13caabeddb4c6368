/**
 * One AMQP connection that survives outages: it reconnects with backoff and jitter and,
 * before reporting `connected` again, runs the hooks that re-declare the topology and
 * re-establish consumers. Everything else in this package gets its channels from here.
 */
import type { TransportStatusEvent } from '@celeriac/protocol';
import {
  ClosedError,
  ConnectionLostError,
  TransportError,
  TransportStatus,
} from '@celeriac/protocol';
// Must be evaluated before amqplib: it teaches amqplib's table decoder py-amqp's `L`.
import './amqplib-field-table-patch.js';
import type { ChannelModel, Options } from 'amqplib';
import { connect as amqpConnect } from 'amqplib';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { BackoffOptions } from './backoff.js';
import { backoffDelay } from './backoff.js';
import { isFatal, toError } from './connection-errors.js';
import type { AmqpLogger } from './logger.js';
import type { ReconnectSpan } from './telemetry.js';
import { startReconnectSpan } from './telemetry.js';
import { waitForConnection } from './wait-for-connection.js';

/** A connection while it is up; `generation` grows by one per (re)connection. */
export interface LiveConnection {
  readonly model: ChannelModel;
  readonly generation: number;
}

/** Settings of {@link AmqpConnection}. */
export interface AmqpConnectionSettings {
  connect: Options.Connect;
  tls?: TlsOptions;
  connectionName?: string;
  /** How long `connect()` keeps retrying before it gives up. */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  logger: AmqpLogger;
  /** Describes the broker in errors and logs (password redacted). */
  describe: string;
}

/** A hook run on every (re)connection before the status becomes `connected`. */
export type ConnectedHook = (live: LiveConnection) => Promise<void>;

/** The connection state machine shared by the transport, its channels and subscriptions. */
export class AmqpConnection {
  #status: TransportStatus = TransportStatus.idle;
  #listeners = new Set<(event: TransportStatusEvent) => void>();
  readonly #errorListeners = new Set<(error: Error) => void>();
  #live: LiveConnection | undefined;
  #generation = 0;
  #hooks: ConnectedHook[] = [];
  #connecting: Promise<void> | undefined;
  #recovering = false;
  #outage: ReconnectSpan | undefined;
  readonly #sleepers = new Set<() => void>();
  readonly #settings: AmqpConnectionSettings;

  constructor(settings: AmqpConnectionSettings) {
    this.#settings = settings;
  }

  get status(): TransportStatus {
    return this.#status;
  }

  /** The connection, when it is up and its hooks have run. */
  get live(): LiveConnection | undefined {
    return this.#status === TransportStatus.connected ? this.#live : undefined;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Listen to errors the broker closes the connection with (e.g. `540 NOT_IMPLEMENTED`). */
  onError(listener: (error: Error) => void): void {
    this.#errorListeners.add(listener);
  }

  /** Run `hook` on every future (re)connection, in registration order. */
  onConnected(hook: ConnectedHook): void {
    this.#hooks.push(hook);
  }

  #setStatus(status: TransportStatus, error?: Error): void {
    if (this.#status === status) return;
    this.#status = status;
    const event: TransportStatusEvent = error === undefined ? { status } : { status, error };
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (cause) {
        this.#settings.logger.warn('a status listener threw', { error: toError(cause) });
      }
    }
  }

  /** Connect, retrying with backoff until `connectTimeoutMs`; idempotent. */
  connect(): Promise<void> {
    if (this.#status === TransportStatus.closing || this.#status === TransportStatus.closed) {
      return Promise.reject(new ClosedError(`AMQP transport (${this.#settings.describe})`));
    }
    if (this.#status === TransportStatus.connected) return Promise.resolve();
    this.#connecting ??= this.#initialConnect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #initialConnect(): Promise<void> {
    this.#setStatus(TransportStatus.connecting);
    const deadline = Date.now() + this.#settings.connectTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#establish();
        return;
      } catch (cause) {
        const closed =
          this.#status === TransportStatus.closing || this.#status === TransportStatus.closed;
        const delay = backoffDelay(attempt, this.#settings.backoff);
        if (closed || isFatal(cause) || Date.now() + delay >= deadline) {
          if (!closed) this.#setStatus(TransportStatus.idle, toError(cause));
          if (isFatal(cause)) {
            // Bad credentials or vhost: retrying cannot help.
            throw new TransportError(
              `Could not connect to ${this.#settings.describe}: ${toError(cause).message}`,
              { cause, retryable: false },
            );
          }
          throw new ConnectionLostError(
            `Could not connect to ${this.#settings.describe}: ${toError(cause).message}`,
            { cause },
          );
        }
        this.#settings.logger.warn(`connecting to ${this.#settings.describe} failed; retrying`, {
          attempt,
          delayMs: delay,
          error: toError(cause),
        });
        await this.#sleep(delay);
      }
    }
  }

  async #establish(): Promise<void> {
    const socketOptions: Record<string, unknown> = { ...this.#settings.tls };
    if (this.#settings.connectionName !== undefined) {
      socketOptions.clientProperties = { connection_name: this.#settings.connectionName };
    }
    const model = await amqpConnect(this.#settings.connect, socketOptions);
    if (this.#status === TransportStatus.closing || this.#status === TransportStatus.closed) {
      await model.close().catch(() => undefined);
      throw new ClosedError(`AMQP transport (${this.#settings.describe})`);
    }
    // Without an 'error' listener an EventEmitter error would crash the process.
    model.on('error', (error: Error) => {
      this.#settings.logger.warn(`connection error from ${this.#settings.describe}`, { error });
      for (const listener of this.#errorListeners) listener(error);
    });
    model.on('close', (error?: Error) => this.#onClosed(model, error));
    model.on('blocked', (reason: string) => {
      this.#settings.logger.warn(`broker blocked publishing: ${reason}`);
    });
    const live: LiveConnection = { model, generation: ++this.#generation };
    this.#live = live;
    try {
      for (const hook of this.#hooks) {
        if (this.#live !== live)
          throw new ConnectionLostError('connection lost while restoring it');
        await hook(live);
      }
    } catch (cause) {
      if (this.#live === live) this.#live = undefined;
      await model.close().catch(() => undefined);
      throw cause;
    }
    if (this.#live !== live) throw new ConnectionLostError('connection lost while restoring it');
    this.#setStatus(TransportStatus.connected);
  }

  #onClosed(model: ChannelModel, error: Error | undefined): void {
    if (this.#live?.model !== model) return;
    this.#live = undefined;
    if (this.#status !== TransportStatus.connected) return; // a connect loop is already running
    const reason = error ?? new Error('connection closed by the broker');
    this.#settings.logger.warn(`connection to ${this.#settings.describe} lost; reconnecting`, {
      error: reason,
    });
    this.#setStatus(TransportStatus.reconnecting, reason);
    this.#outage = startReconnectSpan(this.#settings.describe, reason);
    void this.#recover();
  }

  async #recover(): Promise<void> {
    if (this.#recovering) return;
    this.#recovering = true;
    try {
      for (let attempt = 1; this.#status === TransportStatus.reconnecting; attempt++) {
        await this.#sleep(backoffDelay(attempt, this.#settings.backoff));
        if (this.#status !== TransportStatus.reconnecting) return;
        try {
          await this.#establish();
          this.#settings.logger.warn(`reconnected to ${this.#settings.describe}`, { attempt });
          this.#outage?.restored(attempt);
          this.#outage = undefined;
          return;
        } catch (cause) {
          this.#outage?.attemptFailed(attempt, toError(cause));
          this.#settings.logger.warn(`reconnecting to ${this.#settings.describe} failed`, {
            attempt,
            error: toError(cause),
          });
        }
      }
    } finally {
      this.#recovering = false;
    }
  }

  /** Wait `ms`, or less when `close()` wakes every sleeper. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  /**
   * The live connection, waiting up to `timeoutMs` for a (re)connection. Rejects with
   * `ConnectionLostError` when the wait runs out and `ClosedError` once closing.
   */
  whenConnected(timeoutMs: number, what: string, signal?: AbortSignal): Promise<LiveConnection> {
    return waitForConnection(this, this.#settings.describe, timeoutMs, what, signal);
  }

  /** Close for good: stop reconnecting and close the connection. */
  async close(): Promise<void> {
    if (this.#status === TransportStatus.closed) return;
    this.#setStatus(TransportStatus.closing);
    this.#outage?.abandoned();
    this.#outage = undefined;
    for (const wake of [...this.#sleepers]) wake();
    const live = this.#live;
    this.#live = undefined;
    if (live !== undefined) {
      // amqplib's close() waits for close-ok forever when the socket dies meanwhile; the
      // connection's own 'close' event (or a bound) ends the wait instead.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        live.model.close().catch((cause: unknown) => {
          // Already closed by the broker or the network: nothing left to release.
          if (!/closed/i.test(toError(cause).message)) {
            this.#settings.logger.warn('closing the connection failed', { error: toError(cause) });
          }
        }),
        new Promise<void>((resolve) => live.model.once('close', () => resolve())),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000))),
      ]);
      clearTimeout(timer);
    }
    this.#setStatus(TransportStatus.closed);
  }

  /** A TransportError naming the broker, for failures of broker operations. */
  error(what: string, cause: unknown): TransportError {
    return new TransportError(
      `${what} on ${this.#settings.describe} failed: ${toError(cause).message}`,
      {
        cause,
        retryable: !isFatal(cause),
      },
    );
  }
}
