/**
 * QueueSpec / ExchangeSpec → AMQP declare arguments, as kombu maps them
 * (`to_rabbitmq_queue_arguments`): one `x-*` argument per option, integers as 32-bit
 * signed like py-amqp, so a queue declared here and by Python Celery is *equivalent* and
 * neither side gets `PRECONDITION_FAILED - inequivalent arg`.
 */
import type { ExchangeSpec, QueueSpec } from '@celeriac/protocol';
import { TransportError } from '@celeriac/protocol';
import type { Options } from 'amqplib';
import { encodeHeaderTable } from './header-table.js';

/** The `x-*` arguments of a queue spec, as plain values. */
export function queueArguments(spec: QueueSpec): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (spec.maxPriority !== undefined) args['x-max-priority'] = spec.maxPriority;
  if (spec.messageTtlMs !== undefined) args['x-message-ttl'] = spec.messageTtlMs;
  if (spec.expiresMs !== undefined) args['x-expires'] = spec.expiresMs;
  if (spec.maxLength !== undefined) args['x-max-length'] = spec.maxLength;
  if (spec.deadLetterExchange !== undefined)
    args['x-dead-letter-exchange'] = spec.deadLetterExchange;
  if (spec.deadLetterRoutingKey !== undefined) {
    args['x-dead-letter-routing-key'] = spec.deadLetterRoutingKey;
  }
  if (spec.quorum === true) args['x-queue-type'] = 'quorum';
  return args;
}

/**
 * `spec` with the transport's default queue type applied: with `quorum` (Celery 5.5's
 * `task_default_queue_type`), a queue that says nothing about its type and can be a quorum
 * queue (durable, not auto-delete, not exclusive, no `x-max-priority`, which quorum queues
 * do not support in RabbitMQ 3.x) is declared as one. Reply, pidbox and event queues are
 * auto-delete or exclusive, so they stay classic.
 */
export function withDefaultQueueType(spec: QueueSpec, type: 'classic' | 'quorum'): QueueSpec {
  if (type !== 'quorum' || spec.quorum !== undefined) return spec;
  const eligible =
    (spec.durable ?? true) &&
    spec.autoDelete !== true &&
    spec.exclusive !== true &&
    spec.maxPriority === undefined;
  return eligible ? { ...spec, quorum: true } : spec;
}

/** amqplib `assertQueue` options. Durable unless said otherwise, as kombu's `Queue`. */
export function assertQueueOptions(spec: QueueSpec): Options.AssertQueue {
  const durable = spec.durable ?? true;
  if (spec.quorum === true && (!durable || spec.autoDelete === true || spec.exclusive === true)) {
    throw new TransportError(
      `Queue ${JSON.stringify(spec.name)}: a quorum queue must be durable, not auto-delete and not exclusive`,
    );
  }
  return {
    durable,
    autoDelete: spec.autoDelete ?? false,
    exclusive: spec.exclusive ?? false,
    arguments: encodeHeaderTable(queueArguments(spec)),
  };
}

/** amqplib `assertExchange` options: direct and topic durable by default, fanout not (Celery's pidbox). */
export function assertExchangeOptions(spec: ExchangeSpec): Options.AssertExchange {
  return {
    durable: spec.durable ?? spec.type !== 'fanout',
    autoDelete: spec.autoDelete ?? false,
  };
}
