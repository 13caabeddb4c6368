/**
 * The connections of one Redis transport: the command connection (auto-pipelined, with
 * celeriac's scripts) that carries the transport's status — `idle → connecting →
 * connected ⇄ reconnecting → closing → closed` — with one `redis reconnect` span per
 * outage; and the blocking connections of waits and PUB/SUB, made on demand.
 */
import { Redis } from 'ioredis';
import type { TransportStatusEvent } from '@celeriac/protocol';
import { ClosedError, ConnectionLostError, TransportStatus } from '@celeriac/protocol';
import type { ScriptedRedis } from './lua-scripts.js';
import { withScripts } from './lua-scripts.js';
import { ioredisOptions } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';
import type { ReconnectSpan } from './telemetry.js';
import { startReconnectSpan } from './telemetry.js';
import type { ResolvedTransportOptions } from './transport-options.js';

/** The command connection and status of a transport. */
export class TransportConnection {
  readonly #settings: RedisConnectionSettings;
  readonly #options: ResolvedTransportOptions;
  /** Part of every connection's name (`<connectionName>:<id>:<role>`). */
  readonly #id: string;
  /** Called when the command connection is ready again after an outage. */
  readonly #onReconnected: () => void;
  readonly #listeners = new Set<(event: TransportStatusEvent) => void>();
  #status: TransportStatus = TransportStatus.idle;
  #command: ScriptedRedis | undefined;
  #connecting: Promise<void> | undefined;
  #closing = false;
  #everReady = false;
  #outage: ReconnectSpan | undefined;

  constructor(
    settings: RedisConnectionSettings,
    options: ResolvedTransportOptions,
    id: string,
    onReconnected: () => void,
  ) {
    this.#settings = settings;
    this.#options = options;
    this.#id = id;
    this.#onReconnected = onReconnected;
  }

  get status(): TransportStatus {
    return this.#status;
  }

  /** Whether `beginClose` was called. */
  get closing(): boolean {
    return this.#closing;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setStatus(status: TransportStatus, error?: Error): void {
    if (this.#status === status) return;
    this.#status = status;
    const event: TransportStatusEvent = error ? { status, error } : { status };
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** ioredis options for one connection of this transport. */
  #clientOptions(role: string, blocking: boolean) {
    const name = `${this.#options.connectionName}:${this.#id}:${role}`;
    return ioredisOptions(this.#settings, this.#options.redis, name, blocking);
  }

  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('RedisTransport'));
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.setStatus(TransportStatus.connecting);
    const client = withScripts(new Redis(this.#clientOptions('cmd', false)));
    this.#command = client;
    client.on('error', () => undefined);
    client.on('ready', () => {
      if (this.#closing) return;
      const again = this.#everReady;
      this.#everReady = true;
      this.setStatus(TransportStatus.connected);
      this.#outage?.restored();
      this.#outage = undefined;
      if (again) this.#onReconnected();
    });
    client.on('reconnecting', () => {
      if (!this.#closing) this.#lost();
    });
    client.on('close', () => {
      if (!this.#closing && this.#everReady) this.#lost();
    });
    try {
      await client.connect();
    } catch (cause) {
      this.#connecting = undefined;
      client.disconnect();
      this.setStatus(TransportStatus.idle);
      throw new ConnectionLostError(
        `Could not connect to Redis at ${this.#settings.host}:${this.#settings.port}`,
        { cause },
      );
    }
  }

  #lost(): void {
    this.setStatus(TransportStatus.reconnecting);
    const { host, port } = this.#settings;
    this.#outage ??= startReconnectSpan(`${host}:${port}`);
  }

  /** The command connection; throws when closing or never connected. */
  command(): ScriptedRedis {
    if (this.#closing || !this.#command) throw new ClosedError('RedisTransport');
    return this.#command;
  }

  /** The command connection, connecting first if needed. */
  async ready(): Promise<ScriptedRedis> {
    if (this.#closing) throw new ClosedError('RedisTransport');
    if (!this.#command) await this.connect();
    return this.command();
  }

  /** A new blocking connection (waits, PUB/SUB); its owner closes it. */
  blockingClient(role: string): Redis {
    const client = new Redis(this.#clientOptions(role, true));
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    return client;
  }

  /**
   * Closing starts: no new commands, an outage span in progress is abandoned. Returns the
   * command connection for the last steps (undefined when it never connected).
   */
  beginClose(): ScriptedRedis | undefined {
    this.#closing = true;
    if (this.#command) this.setStatus(TransportStatus.closing);
    this.#outage?.abandoned();
    this.#outage = undefined;
    return this.#command;
  }
}
