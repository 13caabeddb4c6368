/**
 * A consumer that records what it receives, for asserting on deliveries in order.
 */
import type { Delivery, Subscription, Transport } from '@celeriac/protocol';
import { deliveryId } from './test-message.js';
import { WaitForTimeoutError } from './wait-for.js';

/** Options of {@link collectDeliveries}. */
export interface CollectOptions {
  /** Unsettled deliveries allowed at once; 0 is unlimited (default 0). */
  prefetch?: number;
  /** Ack each delivery as soon as it is recorded (default false). */
  autoAck?: boolean;
  consumerTag?: string;
}

/** What {@link collectDeliveries} returns: the recorded deliveries and ways to wait on them. */
export interface DeliveryCollector {
  /** Every delivery so far, in arrival order. */
  readonly deliveries: readonly Delivery[];
  readonly subscription: Subscription;
  /** The {@link deliveryId} of each delivery, in arrival order. */
  ids(): string[];
  /** Resolve once at least `count` deliveries arrived; reject after `timeoutMs` (5000). */
  waitForCount(count: number, timeoutMs?: number): Promise<readonly Delivery[]>;
  /** Stop consuming (the subscription's `cancel`). */
  cancel(): Promise<void>;
}

/**
 * Consume `queues` on `transport` and record every delivery.
 *
 * @example
 * ```ts
 * const collector = await collectDeliveries(transport, [queue], { autoAck: true });
 * await transport.publish(testMessage('a'), { exchange: '', routingKey: queue });
 * const [delivery] = await collector.waitForCount(1);
 * ```
 */
export async function collectDeliveries(
  transport: Transport,
  queues: readonly string[],
  options: CollectOptions = {},
): Promise<DeliveryCollector> {
  const deliveries: Delivery[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const autoAck = options.autoAck ?? false;
  const failures: unknown[] = [];

  const subscription = await transport.consume(
    queues,
    (delivery) => {
      deliveries.push(delivery);
      if (autoAck) delivery.ack().catch((error: unknown) => failures.push(error));
      for (const waiter of waiters) {
        if (deliveries.length >= waiter.count) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
    {
      prefetch: options.prefetch ?? 0,
      ...(options.consumerTag === undefined ? {} : { consumerTag: options.consumerTag }),
    },
  );

  return {
    deliveries,
    subscription,
    ids: () => deliveries.map(deliveryId),
    cancel: () => subscription.cancel(),
    async waitForCount(count, timeoutMs = 5000) {
      if (failures.length > 0) throw failures[0];
      if (deliveries.length < count) {
        await new Promise<void>((resolve, reject) => {
          const waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
          const timer = setTimeout(() => {
            waiters.delete(waiter);
            reject(
              new WaitForTimeoutError(
                `${count} deliveries from ${queues.join(', ')} (got ${deliveries.length})`,
                timeoutMs,
              ),
            );
          }, timeoutMs);
          waiters.add(waiter);
        });
      }
      if (failures.length > 0) throw failures[0];
      return deliveries;
    },
  };
}
