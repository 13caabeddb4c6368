/**
 * Declaring what a publish needs (exchange, queue, binding) once per client, as kombu's
 * `maybe_declare` does. A failed declaration is forgotten so the next send tries again;
 * after a reconnect the transport itself declares again what was declared.
 */
import type { ExchangeSpec, Transport } from '@celeriac/protocol';
import type { ResolvedQueue } from './routing.js';

/** Memoized declarations on one transport. */
export class Topology {
  readonly #transport: Transport;
  readonly #done = new Map<string, Promise<void>>();

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Declare the queue, its exchange (unless the default one) and the binding, once. */
  declareQueue(resolved: ResolvedQueue): Promise<void> {
    return this.#once(`queue:${resolved.queue.name}`, async () => {
      const { exchange, queue, routingKey } = resolved;
      if (exchange.name !== '') await this.#transport.declareExchange(exchange);
      await this.#transport.declareQueue(queue);
      if (exchange.name !== '') {
        await this.#transport.bindQueue({ queue: queue.name, exchange: exchange.name, routingKey });
      }
    });
  }

  /** Declare an exchange, once. The default exchange `""` needs nothing. */
  declareExchange(spec: ExchangeSpec): Promise<void> {
    if (spec.name === '') return Promise.resolve();
    return this.#once(`exchange:${spec.name}`, () => this.#transport.declareExchange(spec));
  }

  #once(key: string, declare: () => Promise<void>): Promise<void> {
    let pending = this.#done.get(key);
    if (!pending) {
      pending = declare();
      this.#done.set(key, pending);
      pending.catch(() => {
        if (this.#done.get(key) === pending) this.#done.delete(key);
      });
    }
    return pending;
  }
}
