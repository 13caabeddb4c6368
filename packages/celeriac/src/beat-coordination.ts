/**
 * Where beat replicas coordinate, chosen from the broker URL in this one place: the
 * broker already in use holds the lease, the fencing epoch and the schedule state
 * (`docs/beat.md`). memory:// → `@celeriac/memory`, redis:// → `@celeriac/redis`,
 * amqp:// → `@celeriac/amqp`. Drivers load on demand, as for transports.
 */
import type { BeatCoordination } from '@celeriac/protocol';
import { BrokerScheme, brokerScheme } from './urls.js';
import type { ConnectionOptions } from './urls.js';
import { UnsupportedUrlError } from './errors.js';

/** The coordination namespace when none is given (memory's default too). */
export const DEFAULT_BEAT_NAMESPACE = 'celeriac';

/** Options of {@link createBeatCoordination}. */
export interface BeatCoordinationOptions {
  /** Which beat: replicas with the same namespace on one broker elect one leader. */
  namespace?: string;
  /**
   * The app's driver options: on Redis its `globalKeyprefix`, so that the check that an
   * entry's queue exists looks where the transport keeps queues.
   */
  connection?: ConnectionOptions;
}

type Factory = (
  url: string,
  options: { namespace: string; globalKeyprefix?: string },
) => BeatCoordination;

/** A driver module's coordination factory, looked up by name. */
function factoryOf(module: object, name: string, url: string): Factory {
  const factory = (module as Record<string, unknown>)[name];
  if (typeof factory !== 'function') {
    throw new UnsupportedUrlError(
      'Beat broker',
      url,
      `a broker whose package provides ${name} (this installation's does not)`,
    );
  }
  return factory as Factory;
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
      const redis = await import('@celeriac/redis');
      const prefix = options.connection?.redis?.globalKeyprefix;
      return factoryOf(
        redis,
        'createRedisBeatCoordination',
        brokerUrl,
      )(brokerUrl, {
        namespace,
        ...(prefix ? { globalKeyprefix: prefix } : {}),
      });
    }
    case BrokerScheme.amqp: {
      const amqp = await import('@celeriac/amqp');
      const url = brokerUrl.replace(/^pyamqp:/i, 'amqp:');
      return factoryOf(amqp, 'createAmqpBeatCoordination', url)(url, { namespace });
    }
  }
}
