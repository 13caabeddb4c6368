/**
 * The connections of one Redis transport: the command connection (auto-pipelined, with
 * celeriac's scripts) that carries the transport's status — `idle → connecting →
 * connected ⇄ reconnecting → closing → closed` — with one `redis reconnect` span per
 * outage; and the blocking connections of waits and PUB/SUB, made on demand.
 */
import type { Redis } from 'ioredis';
import type { TransportStatusEvent } from '@celeriac/protocol';
import { ClosedError, TransportStatus } from '@celeriac/protocol';
import type { ScriptedRedis } from './lua-scripts.js';
import { withScripts } from './lua-scripts.js';
import { blockingClient, commandClient, connectOnce } from './redis-clients.js';
import { maskRedisUrl } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';
import type { ReconnectSpan } from './telemetry.js';
import { startReconnectSpan } from './telemetry.js';
import type { ResolvedTransportOptions } from './transport-options.js';

/** The command connection and status of a transport. */
export class TransportConnection {
  readonly #settings: RedisConnectionSettings;
  /** The URL with its password masked, for errors. */
  readonly #url: string;
  readonly #options: ResolvedTransportOptions;
  /** Part of every connection's name (`<connectionName>:<id>:<role>`). */
  readonly #id: string;
  /** Called when the command connection is ready again after an outage. */
  readonly #onReconnected: () => void;
  readonly #listeners = new Set<(event: TransportStatusEvent) => void>();
  #status: TransportStatus = TransportStatus.idle;
  #command: ScriptedRedis | undefined;
  #connecting: Promise<void> | undefined;
  /** Aborts the connect attempt in progress. */
  #attempt: AbortController | undefined;
  #closing = false;
  #everReady = false;
  #outage: ReconnectSpan | undefined;

  constructor(
    url: string,
    settings: RedisConnectionSettings,
    options: ResolvedTransportOptions,
    id: string,
    onReconnected: () => void,
  ) {
    this.#settings = settings;
    this.#url = maskRedisUrl(url);
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

  /** The CLIENT SETNAME of one connection of this transport. */
  #clientOptions(role: string): { name: string } {
    return { name: `${this.#options.connectionName}:${this.#id}:${role}` };
  }

  /**
   * One attempt to connect (see `redis-clients.ts`); rejects with `RedisConnectionError`,
   * or `ClosedError` when `beginClose` interrupts it. Once connected, it resolves at once
   * for good: outages after that are ioredis's to recover from.
   */
  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('RedisTransport'));
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.setStatus(TransportStatus.connecting);
    const { name } = this.#clientOptions('cmd');
    const client = withScripts(commandClient(this.#settings, this.#options.redis, name));
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
    const attempt = new AbortController();
    this.#attempt = attempt;
    try {
      await connectOnce(client, this.#url, 'RedisTransport', attempt.signal);
    } catch (error) {
      this.#connecting = undefined;
      this.#command = undefined;
      if (!this.#closing) this.setStatus(TransportStatus.idle);
      throw error;
    } finally {
      this.#attempt = undefined;
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
    if (!this.#everReady) await this.connect();
    return this.command();
  }

  /** A new blocking connection (waits, PUB/SUB); its owner closes it. */
  blockingClient(role: string): Redis {
    return blockingClient(this.#settings, this.#options.redis, this.#clientOptions(role).name);
  }

  /**
   * Closing starts: no new commands, a connect attempt in progress is aborted, an outage
   * span in progress is abandoned. Returns the command connection for the last steps
   * (undefined when it was never connected).
   */
  beginClose(): ScriptedRedis | undefined {
    this.#closing = true;
    this.#attempt?.abort();
    this.#outage?.abandoned();
    this.#outage = undefined;
    if (!this.#everReady) return undefined;
    this.setStatus(TransportStatus.closing);
    return this.#command;
  }
}
