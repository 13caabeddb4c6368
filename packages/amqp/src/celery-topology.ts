/**
 * The exchanges, queues and bindings Celery 5.2 declares on RabbitMQ (wire notes §3, §4.6,
 * §6.1), as specs any {@link Transport} can declare. Declaring them with the same
 * arguments as Python Celery matters: RabbitMQ refuses a second declaration whose
 * arguments differ.
 */
import type { Binding, ExchangeSpec, QueueSpec, Transport } from '@celeriac/protocol';

/** One queue with the exchange and binding that route to it. */
export interface QueueDeclaration {
  exchange?: ExchangeSpec;
  queue: QueueSpec;
  binding?: Binding;
}

/** Options of {@link celeryTaskQueue}. */
export interface TaskQueueOptions {
  /** Exchange name; defaults to the queue name (Celery's `task_default_exchange`). */
  exchange?: string;
  exchangeType?: ExchangeSpec['type'];
  /** Binding key; defaults to the queue name. */
  routingKey?: string;
  /** `x-max-priority` (Celery's `task_queue_max_priority` / `Queue(max_priority=…)`). */
  maxPriority?: number;
  /** Declare a quorum queue (`x-queue-type: quorum`). */
  quorum?: boolean;
  /** More `QueueSpec` fields (dead-lettering, TTLs, length limits). */
  queue?: Omit<QueueSpec, 'name'>;
}

/** A task queue as `kombu.Queue(name, Exchange(name, 'direct'), routing_key=name)`: durable, bound. */
export function celeryTaskQueue(name = 'celery', options: TaskQueueOptions = {}): QueueDeclaration {
  const exchange = options.exchange ?? name;
  const queue: QueueSpec = { ...options.queue, name, durable: options.queue?.durable ?? true };
  if (options.maxPriority !== undefined) queue.maxPriority = options.maxPriority;
  if (options.quorum !== undefined) queue.quorum = options.quorum;
  return {
    exchange: { name: exchange, type: options.exchangeType ?? 'direct', durable: true },
    queue,
    binding: { queue: name, exchange, routingKey: options.routingKey ?? name },
  };
}

/** A worker's remote-control queue `<nodename>.celery.pidbox`, bound to fanout `celery.pidbox`. */
export function celeryPidboxQueue(nodename: string, namespace = 'celery'): QueueDeclaration {
  const exchange = `${namespace}.pidbox`;
  const name = `${nodename}.${exchange}`;
  return {
    exchange: { name: exchange, type: 'fanout', durable: false },
    queue: { name, durable: false, autoDelete: true, expiresMs: 10_000, messageTtlMs: 300_000 },
    binding: { queue: name, exchange, routingKey: '' },
  };
}

/** A remote-control caller's reply queue `<oid>.reply.celery.pidbox`, bound by key `<oid>`. */
export function celeryReplyQueue(oid: string, namespace = 'celery'): QueueDeclaration {
  const exchange = `reply.${namespace}.pidbox`;
  const name = `${oid}.${exchange}`;
  return {
    exchange: { name: exchange, type: 'direct', durable: false },
    queue: { name, durable: false, autoDelete: true, expiresMs: 10_000, messageTtlMs: 300_000 },
    binding: { queue: name, exchange, routingKey: oid },
  };
}

/**
 * An event receiver's queue `celeryev.<id>` bound to topic exchange `celeryev`; `routingKey`
 * `#` for monitors, `worker.#` for a worker's gossip.
 */
export function celeryEventQueue(
  id: string,
  routingKey = '#',
  exchange = 'celeryev',
): QueueDeclaration {
  const name = `${exchange}.${id}`;
  return {
    exchange: { name: exchange, type: 'topic', durable: true },
    queue: { name, durable: false, autoDelete: true, expiresMs: 60_000, messageTtlMs: 5_000 },
    binding: { queue: name, exchange, routingKey },
  };
}

/** The `rpc://` reply queue `<oid>`: transient, auto-delete, expiring after the result expiry. */
export function rpcResultQueue(oid: string, expiresMs = 86_400_000): QueueDeclaration {
  return { queue: { name: oid, durable: false, autoDelete: true, expiresMs } };
}

/** Declare an exchange, queue and binding in that order. */
export async function declareQueueDeclaration(
  transport: Transport,
  declaration: QueueDeclaration,
): Promise<void> {
  if (declaration.exchange !== undefined) await transport.declareExchange(declaration.exchange);
  await transport.declareQueue(declaration.queue);
  if (declaration.binding !== undefined) await transport.bindQueue(declaration.binding);
}
