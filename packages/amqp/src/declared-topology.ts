/**
 * What a transport declared, kept so it can declare it all again after a reconnection:
 * auto-delete and exclusive queues (rpc replies, pidbox) vanish with their connection, and
 * a restarted broker forgets every transient exchange and queue.
 */
import type { Binding, ExchangeSpec, QueueSpec } from '@celeriac/protocol';

/** Exchanges, queues and bindings in declaration order, deduplicated by identity. */
export class DeclaredTopology {
  readonly #exchanges = new Map<string, ExchangeSpec>();
  readonly #queues = new Map<string, QueueSpec>();
  readonly #bindings = new Map<string, Binding>();

  static #bindingKey(binding: Binding): string {
    return JSON.stringify([binding.queue, binding.exchange, binding.routingKey]);
  }

  addExchange(spec: ExchangeSpec): void {
    this.#exchanges.set(spec.name, { ...spec });
  }

  addQueue(spec: QueueSpec): void {
    this.#queues.set(spec.name, { ...spec });
  }

  addBinding(binding: Binding): void {
    this.#bindings.set(DeclaredTopology.#bindingKey(binding), { ...binding });
  }

  /** Forget a deleted queue and the bindings to it. */
  removeQueue(name: string): void {
    this.#queues.delete(name);
    for (const [key, binding] of this.#bindings)
      if (binding.queue === name) this.#bindings.delete(key);
  }

  /** Forget a deleted exchange and the bindings from it. */
  removeExchange(name: string): void {
    this.#exchanges.delete(name);
    for (const [key, binding] of this.#bindings)
      if (binding.exchange === name) this.#bindings.delete(key);
  }

  queue(name: string): QueueSpec | undefined {
    return this.#queues.get(name);
  }

  exchange(name: string): ExchangeSpec | undefined {
    return this.#exchanges.get(name);
  }

  /** The bindings to `queue`, in declaration order. */
  bindingsOf(queue: string): Binding[] {
    return [...this.#bindings.values()].filter((binding) => binding.queue === queue);
  }

  hasExchange(name: string): boolean {
    return this.#exchanges.has(name);
  }

  /** Everything, exchanges first, then queues, then bindings (each in declaration order). */
  snapshot(): { exchanges: ExchangeSpec[]; queues: QueueSpec[]; bindings: Binding[] } {
    return {
      exchanges: [...this.#exchanges.values()],
      queues: [...this.#queues.values()],
      bindings: [...this.#bindings.values()],
    };
  }
}
