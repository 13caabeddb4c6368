/**
 * Where beat replicas coordinate, chosen from the broker URL in this one place: the
 * broker already in use holds the lease, the fencing epoch and the schedule state
 * (`docs/beat.md`). memory:// → `@celeriac/memory`, redis:// → `@celeriac/redis`,
 * amqp:// → `@celeriac/amqp`. Drivers load on demand, as for transports.
 */
import type { BeatCoordination } from '@celeriac/protocol';
import { BrokerScheme, brokerScheme } from './urls.js';
import type { ConnectionOptions } from './urls.js';

/** The coordination namespace when none is given (memory's default too). */
export const DEFAULT_BEAT_NAMESPACE = 'celeriac';

/** Options of {@link createBeatCoordination}. */
export interface BeatCoordinationOptions {
  /** Which beat: replicas with the same namespace on one broker elect one leader. */
  namespace?: string;
  /**
   * The app's driver options: on Redis its `globalKeyprefix` (the check that an entry's
   * queue exists looks where the transport keeps queues) and ioredis options, on RabbitMQ
   * its queue type and TLS options.
   */
  connection?: ConnectionOptions;
}

/**
 * A new, unconnected coordination connection for the beat on `brokerUrl` (it connects on
 * first use; close it when done).
 */
export async function createBeatCoordination(
  brokerUrl: string,
  options: BeatCoordinationOptions = {},
): Promise<BeatCoordination> {
  const namespace = options.namespace ?? DEFAULT_BEAT_NAMESPACE;
  switch (brokerScheme(brokerUrl)) {
    case BrokerScheme.memory: {
      const { createMemoryBeatCoordination } = await import('@celeriac/memory');
      return createMemoryBeatCoordination(brokerUrl, { namespace });
    }
    case BrokerScheme.redis: {
      const { createRedisBeatCoordination } = await import('@celeriac/redis');
      const redis = options.connection?.redis;
      return createRedisBeatCoordination(brokerUrl, {
        namespace,
        ...(redis?.globalKeyprefix ? { globalKeyprefix: redis.globalKeyprefix } : {}),
        ...(redis?.redis ? { redis: redis.redis } : {}),
      });
    }
    case BrokerScheme.amqp: {
      const { createAmqpBeatCoordination } = await import('@celeriac/amqp');
      const amqp = options.connection?.amqp;
      return createAmqpBeatCoordination(brokerUrl.replace(/^pyamqp:/i, 'amqp:'), {
        namespace,
        ...(amqp?.defaultQueueType ? { queueType: amqp.defaultQueueType } : {}),
        ...(amqp?.tls ? { tls: amqp.tls } : {}),
      });
    }
  }
}
