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
import type { ChannelModel } from 'amqplib';
import type { BackoffOptions } from './backoff.js';
import { backoffDelay } from './backoff.js';
import { connectOnce } from './connect-attempt.js';
import type { BrokerHost, Connected } from './connect-attempt.js';
import { isFatal, oneLine, toError } from './connection-errors.js';
import type { HostRotation } from './failover.js';
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
  /** The hosts of the broker URL and the order to try them in. */
  hosts: HostRotation;
  /** Socket options for a host: TLS material, client properties. */
  socketOptions: (host: BrokerHost) => Promise<Record<string, unknown>>;
  /** Bound on one host's handshakes within an attempt. */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  logger: AmqpLogger;
  /** Describes the broker in errors and logs (passwords masked). */
  describe: string;
}

/** A hook run on every (re)connection before the status becomes `connected`. */
export type ConnectedHook = (live: LiveConnection) => Promise<void>;

/**
 * The connection state machine shared by the transport, its channels and subscriptions.
 * `connect()` is one attempt over the hosts (the caller retries); once a connection was
 * up, losing it starts the recovery loop here, which retries with backoff until `close()`.
 */
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
  /** The host of the live connection. */
  #host: BrokerHost | undefined;
  /** Aborts the attempt in flight (initial or recovery) when closing. */
  #attempt: AbortController | undefined;
  readonly #sleepers = new Set<() => void>();
  /** `connect()` calls made while recovering, settled by the next recovery attempt. */
  readonly #nextAttempt = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
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
        this.#settings.logger.warn(`a status listener threw: ${toError(cause).message}`);
      }
    }
  }

  get #closed(): boolean {
    return this.#status === TransportStatus.closing || this.#status === TransportStatus.closed;
  }

  /**
   * One attempt over every host; rejects with `AmqpConnectError` (one line: the masked URL
   * and each host's reason) and goes back to `idle`. Logs nothing. Calling it again tries
   * again; a call while an attempt is in flight joins it; `close()` aborts it.
   */
  connect(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new ClosedError(`AMQP transport (${this.#settings.describe})`));
    }
    if (this.#status === TransportStatus.connected) return Promise.resolve();
    if (this.#status === TransportStatus.reconnecting) {
      // Recovery is already retrying: this call shares the outcome of its next attempt.
      return new Promise((resolve, reject) => this.#nextAttempt.add({ resolve, reject }));
    }
    this.#connecting ??= this.#connectOnce().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connectOnce(): Promise<void> {
    this.#setStatus(TransportStatus.connecting);
    try {
      await this.#establish();
    } catch (cause) {
      if (this.#closed) throw new ClosedError(`AMQP transport (${this.#settings.describe})`);
      const error = cause instanceof TransportError ? cause : this.error('connecting', cause);
      this.#setStatus(TransportStatus.idle, error);
      throw error;
    }
  }

  /** One attempt over the hosts, then the hooks; `connected` when all of it succeeded. */
  async #establish(): Promise<void> {
    const attempt = new AbortController();
    this.#attempt = attempt;
    let connected: Connected;
    try {
      connected = await connectOnce(this.#settings.hosts.order(), this.#settings.describe, {
        timeoutMs: this.#settings.connectTimeoutMs,
        socketOptions: this.#settings.socketOptions,
        signal: attempt.signal,
      });
    } finally {
      if (this.#attempt === attempt) this.#attempt = undefined;
    }
    const { model, host } = connected;
    if (this.#closed) {
      await closeQuietly(model);
      throw new ClosedError(`AMQP transport (${this.#settings.describe})`);
    }
    this.#settings.hosts.connected(host);
    this.#host = host;
    // Without an 'error' listener an EventEmitter error would crash the process.
    model.on('error', (error: Error) => {
      for (const listener of this.#errorListeners) listener(error);
    });
    model.on('close', (error?: Error) => this.#onClosed(model, host, error));
    model.on('blocked', (reason: string) => {
      this.#settings.logger.warn(`${host.describe} blocked publishing: ${reason}`);
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
      await closeQuietly(model);
      throw cause;
    }
    if (this.#live !== live) throw new ConnectionLostError('connection lost while restoring it');
    this.#setStatus(TransportStatus.connected);
  }

  #onClosed(model: ChannelModel, host: BrokerHost, error: Error | undefined): void {
    if (this.#live?.model !== model) return;
    this.#live = undefined;
    if (this.#status !== TransportStatus.connected) return; // an attempt is already running
    const reason = error ?? new Error('connection closed by the broker');
    this.#settings.hosts.lost();
    this.#settings.logger.warn(
      `connection to ${host.describe} lost (${oneLine(reason)}); reconnecting`,
    );
    this.#setStatus(TransportStatus.reconnecting, reason);
    this.#outage = startReconnectSpan(this.#settings.describe, reason);
    void this.#recover();
  }

  /** Retry with backoff until connected or closed: one log line per failed attempt. */
  async #recover(): Promise<void> {
    if (this.#recovering) return;
    this.#recovering = true;
    try {
      let delay = backoffDelay(1, this.#settings.backoff);
      for (let attempt = 1; this.#status === TransportStatus.reconnecting; attempt++) {
        await this.#sleep(delay);
        if (this.#status !== TransportStatus.reconnecting) return;
        try {
          await this.#establish();
          this.#settings.logger.warn(
            `reconnected to ${this.#host?.describe ?? this.#settings.describe} (attempt ${attempt})`,
          );
          this.#outage?.restored(attempt);
          this.#outage = undefined;
          this.#settleNextAttempt();
          return;
        } catch (cause) {
          if (this.#closed) return;
          this.#settleNextAttempt(
            cause instanceof TransportError ? cause : this.error('reconnecting', cause),
          );
          delay = backoffDelay(attempt + 1, this.#settings.backoff);
          this.#outage?.attemptFailed(attempt, toError(cause));
          this.#settings.logger.warn(
            `reconnecting failed (attempt ${attempt}): ${oneLine(cause)}; next try in ${delay} ms`,
          );
        }
      }
    } finally {
      this.#recovering = false;
    }
  }

  #settleNextAttempt(error?: Error): void {
    for (const waiter of [...this.#nextAttempt]) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
    this.#nextAttempt.clear();
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
    this.#attempt?.abort();
    this.#settleNextAttempt(new ClosedError(`AMQP transport (${this.#settings.describe})`));
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
            this.#settings.logger.warn(`closing the connection failed: ${oneLine(cause)}`);
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
    return new TransportError(`${what} on ${this.#settings.describe} failed: ${oneLine(cause)}`, {
      cause,
      retryable: !isFatal(cause),
    });
  }
}

/** Close a connection nobody will use; a failure means it is already gone. */
async function closeQuietly(model: ChannelModel): Promise<void> {
  try {
    await model.close();
  } catch {
    // Already closed by the broker or the network: nothing left to release.
  }
}
