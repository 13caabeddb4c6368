/**
 * Declarations on the broker: exchanges, queues and bindings declared (and remembered, to
 * declare them again on every reconnection), deleted, purged and counted over one
 * declaration channel, each operation waiting out an outage and retried once the
 * connection is back. Also which exchanges are known to exist, so a publish to a missing
 * one fails alone instead of closing the shared publisher channel.
 */
import type { Binding, ExchangeSpec, QueueSpec } from '@celeriac/protocol';
import type { Channel } from 'amqplib';
import type { AmqpConnection, LiveConnection } from './amqp-connection.js';
import { ChannelSlot } from './channel-slot.js';
import { isNotFound } from './connection-errors.js';
import { DeclaredTopology } from './declared-topology.js';
import type { AmqpLogger } from './logger.js';
import { assertExchangeOptions, assertQueueOptions } from './queue-arguments.js';

/** The declaration side of an {@link AmqpTransport}. */
export class AmqpAdmin {
  readonly #connection: AmqpConnection;
  readonly #topology = new DeclaredTopology();
  readonly #channel: ChannelSlot<Channel>;
  readonly #operationTimeoutMs: number;
  /** Queues known to be quorum queues (they refuse channel-wide prefetch). */
  readonly quorumQueues = new Set<string>();
  #verifiedExchanges = { generation: -1, names: new Set<string>() };

  constructor(connection: AmqpConnection, logger: AmqpLogger, operationTimeoutMs: number) {
    this.#connection = connection;
    this.#operationTimeoutMs = operationTimeoutMs;
    this.#channel = new ChannelSlot('declaration', (model) => model.createChannel(), logger);
    connection.onConnected((live) => this.#redeclare(live));
  }

  async #redeclare(live: LiveConnection): Promise<void> {
    const { exchanges, queues, bindings } = this.#topology.snapshot();
    if (exchanges.length + queues.length + bindings.length === 0) return;
    const channel = await this.#channel.get(live);
    for (const spec of exchanges)
      await channel.assertExchange(spec.name, spec.type, assertExchangeOptions(spec));
    for (const spec of queues) await channel.assertQueue(spec.name, assertQueueOptions(spec));
    for (const b of bindings) await channel.bindQueue(b.queue, b.exchange, b.routingKey);
  }

  /**
   * Declare `queue` again as this transport declared it, with its bindings and their
   * exchanges: the broker deleted it under a consumer (basic.cancel), e.g. an auto-delete
   * pidbox queue removed by another process. False when this transport never declared it.
   */
  async redeclareQueue(live: LiveConnection, queue: string): Promise<boolean> {
    const spec = this.#topology.queue(queue);
    if (spec === undefined) return false;
    const channel = await this.#channel.get(live);
    const bindings = this.#topology.bindingsOf(queue);
    for (const binding of bindings) {
      const exchange = this.#topology.exchange(binding.exchange);
      if (exchange !== undefined) {
        await channel.assertExchange(exchange.name, exchange.type, assertExchangeOptions(exchange));
      }
    }
    await channel.assertQueue(spec.name, assertQueueOptions(spec));
    for (const b of bindings) await channel.bindQueue(b.queue, b.exchange, b.routingKey);
    return true;
  }

  /** Run a declaration-channel operation, waiting out an outage; retried once the connection is back. */
  async #run<T>(what: string, run: (channel: Channel) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#operationTimeoutMs;
    for (;;) {
      const live = await this.#connection.whenConnected(deadline - Date.now(), what);
      try {
        return await run(await this.#channel.get(live));
      } catch (cause) {
        // The connection dropped under the operation: wait for it and do it again.
        if (this.#connection.live?.generation !== live.generation && Date.now() < deadline)
          continue;
        throw this.#connection.error(what, cause);
      }
    }
  }

  async declareExchange(spec: ExchangeSpec): Promise<void> {
    await this.#run(`declaring exchange ${JSON.stringify(spec.name)}`, (channel) =>
      channel.assertExchange(spec.name, spec.type, assertExchangeOptions(spec)),
    );
    this.#topology.addExchange(spec);
    this.#verifiedExchanges.names.add(spec.name);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    const options = assertQueueOptions(spec);
    await this.#run(`declaring queue ${JSON.stringify(spec.name)}`, (channel) =>
      channel.assertQueue(spec.name, options),
    );
    this.#topology.addQueue(spec);
    if (spec.quorum === true) this.quorumQueues.add(spec.name);
  }

  async bindQueue(binding: Binding): Promise<void> {
    await this.#run(
      `binding queue ${JSON.stringify(binding.queue)} to ${JSON.stringify(binding.exchange)}`,
      (channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey),
    );
    this.#topology.addBinding(binding);
  }

  async deleteQueue(name: string): Promise<void> {
    this.#topology.removeQueue(name);
    try {
      await this.#run(`deleting queue ${JSON.stringify(name)}`, (channel) =>
        channel.deleteQueue(name),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async deleteExchange(name: string): Promise<void> {
    this.#topology.removeExchange(name);
    this.#verifiedExchanges.names.delete(name);
    try {
      await this.#run(`deleting exchange ${JSON.stringify(name)}`, (channel) =>
        channel.deleteExchange(name),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async purgeQueue(name: string): Promise<number> {
    try {
      const reply = await this.#run(`purging queue ${JSON.stringify(name)}`, (channel) =>
        channel.purgeQueue(name),
      );
      return reply.messageCount;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }

  async queueLength(name: string): Promise<number> {
    try {
      const reply = await this.#run(`checking queue ${JSON.stringify(name)}`, (channel) =>
        channel.checkQueue(name),
      );
      return reply.messageCount;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }

  /** True when `exchange` was checked (or declared) on this connection. */
  exchangeVerified(live: LiveConnection, exchange: string): boolean {
    return (
      this.#verifiedExchanges.generation === live.generation &&
      this.#verifiedExchanges.names.has(exchange)
    );
  }

  /** Check once per connection that a named exchange exists, so a publish to a missing one fails alone. */
  async verifyExchange(live: LiveConnection, exchange: string): Promise<void> {
    if (this.#verifiedExchanges.generation !== live.generation) {
      this.#verifiedExchanges = { generation: live.generation, names: new Set() };
    }
    if (this.#verifiedExchanges.names.has(exchange)) return;
    await this.#run(`checking exchange ${JSON.stringify(exchange)}`, (channel) =>
      channel.checkExchange(exchange),
    );
    this.#verifiedExchanges.names.add(exchange);
  }

  /** Forget which exchanges exist (a publisher channel error may mean one was deleted). */
  forgetExchanges(): void {
    this.#verifiedExchanges = { generation: -1, names: new Set() };
  }
}
