/**
 * One subscriber connection shared by every waiter of a result backend: Celery's
 * `ResultConsumer` pattern (SUBSCRIBE to `celery-task-meta-<id>` when the task is sent,
 * then read messages). Channels are reference counted; after a reconnect every channel
 * is subscribed again by ioredis and the waiters read the key once more, since messages
 * published during the outage are gone.
 */
import type { Redis } from 'ioredis';

type Handler = (raw: string) => void;

/** Reference-counted channel subscriptions over one connection. */
export class ResultListener {
  readonly #client: Redis;
  readonly #counts = new Map<string, number>();
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #resyncs = new Set<() => void>();
  #readyOnce = false;

  constructor(client: Redis) {
    this.#client = client;
    client.on('message', (channel: string, raw: string) => {
      for (const handler of this.#handlers.get(channel) ?? []) handler(raw);
    });
    client.on('ready', () => {
      if (this.#readyOnce) for (const resync of [...this.#resyncs]) resync();
      this.#readyOnce = true;
    });
  }

  /** Subscribe to `channel` (once per channel); resolves when Redis confirmed it. */
  async acquire(channel: string): Promise<void> {
    const count = this.#counts.get(channel) ?? 0;
    this.#counts.set(channel, count + 1);
    if (count === 0) await this.#client.subscribe(channel);
  }

  /** Drop one reference; unsubscribes when none is left. */
  release(channel: string): void {
    const count = (this.#counts.get(channel) ?? 0) - 1;
    if (count > 0) {
      this.#counts.set(channel, count);
      return;
    }
    this.#counts.delete(channel);
    void this.#client.unsubscribe(channel).catch(() => undefined);
  }

  /** Call `handler` with every message on `channel`; returns the function that stops it. */
  listen(channel: string, handler: Handler, resync: () => void): () => void {
    const set = this.#handlers.get(channel) ?? new Set<Handler>();
    set.add(handler);
    this.#handlers.set(channel, set);
    this.#resyncs.add(resync);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.#handlers.delete(channel);
      this.#resyncs.delete(resync);
    };
  }

  /** Close the connection. */
  close(): void {
    this.#client.disconnect();
  }
}
