/**
 * Broker and result-backend URLs to Transport and ResultBackend instances. Drivers load
 * on demand, so an app on Redis never loads amqplib and the reverse.
 */
import type { ResultBackend, Transport } from '@celeriac/protocol';
import type { RedisResultBackendOptions, RedisTransportOptions } from '@celeriac/redis';
import type { AmqpTransportOptions, RpcResultBackendOptions } from '@celeriac/amqp';
import { UnsupportedUrlError } from './errors.js';

/** Per-driver options passed through to the transport or backend constructors. */
export interface ConnectionOptions {
  redis?: RedisTransportOptions;
  redisBackend?: RedisResultBackendOptions;
  amqp?: AmqpTransportOptions;
  rpc?: Omit<RpcResultBackendOptions, 'transport'>;
}

/** The URL schemes celeriac understands, by family. */
export const BrokerScheme = {
  memory: 'memory',
  redis: 'redis',
  amqp: 'amqp',
} as const;
/** One of the values of {@link BrokerScheme}. */
export type BrokerScheme = (typeof BrokerScheme)[keyof typeof BrokerScheme];

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return match?.[1]?.toLowerCase() ?? '';
}

/** The family of a broker URL, or an {@link UnsupportedUrlError}. */
export function brokerScheme(url: string): BrokerScheme {
  switch (schemeOf(url)) {
    case 'memory':
      return BrokerScheme.memory;
    // With kombu's Sentinel lists and celeriac's Redis Cluster seeds (`docs/redis.md`).
    case 'redis':
    case 'rediss':
    case 'sentinel':
    case 'sentinel+tls':
    case 'redis+cluster':
    case 'rediss+cluster':
      return BrokerScheme.redis;
    case 'amqp':
    case 'amqps':
    case 'pyamqp':
      return BrokerScheme.amqp;
    default:
      throw new UnsupportedUrlError(
        'Broker',
        url,
        'memory://, redis://, rediss://, sentinel://, redis+cluster://, amqp:// or amqps://',
      );
  }
}

/** A new, unconnected transport for a broker URL. */
export async function createTransport(
  url: string,
  options: ConnectionOptions = {},
): Promise<Transport> {
  switch (brokerScheme(url)) {
    case BrokerScheme.memory: {
      const { createMemoryTransport } = await import('@celeriac/memory');
      return createMemoryTransport(url);
    }
    case BrokerScheme.redis: {
      const { createRedisTransport } = await import('@celeriac/redis');
      return createRedisTransport(url, options.redis);
    }
    case BrokerScheme.amqp: {
      const { createAmqpTransport } = await import('@celeriac/amqp');
      return createAmqpTransport(url.replace(/^pyamqp:/i, 'amqp:'), options.amqp);
    }
  }
}

/**
 * The result backend a broker implies when none is given: the same in-process store for
 * `memory://`, the same Redis for `redis://`, and `rpc://` for RabbitMQ (Celery itself
 * defaults to none; a default that works is friendlier, and `ignoreResult` opts out).
 */
export function defaultBackendUrl(brokerUrl: string): string {
  switch (brokerScheme(brokerUrl)) {
    case BrokerScheme.memory:
      return brokerUrl;
    case BrokerScheme.redis:
      return brokerUrl;
    case BrokerScheme.amqp:
      return 'rpc://';
  }
}

/**
 * A new, unconnected result backend for a URL: `memory://`, `redis://`/`rediss://`, or
 * `rpc://` (which talks to the broker at `brokerUrl`).
 */
export async function createResultBackend(
  url: string,
  brokerUrl: string,
  options: ConnectionOptions = {},
): Promise<ResultBackend> {
  switch (schemeOf(url)) {
    case 'memory': {
      const { createMemoryResultBackend } = await import('@celeriac/memory');
      return createMemoryResultBackend(url);
    }
    case 'redis':
    case 'rediss':
    case 'sentinel':
    case 'sentinel+tls':
    case 'redis+cluster':
    case 'rediss+cluster': {
      const { createRedisResultBackend } = await import('@celeriac/redis');
      return createRedisResultBackend(url, options.redisBackend);
    }
    case 'rpc': {
      if (brokerScheme(brokerUrl) !== BrokerScheme.amqp) {
        throw new UnsupportedUrlError(
          'Result backend',
          url,
          'rpc:// only with an amqp:// broker (results travel as broker messages)',
        );
      }
      const { createRpcResultBackend } = await import('@celeriac/amqp');
      return createRpcResultBackend(brokerUrl.replace(/^pyamqp:/i, 'amqp:'), options.rpc ?? {});
    }
    default:
      throw new UnsupportedUrlError(
        'Result backend',
        url,
        'memory://, redis://, rediss://, sentinel://, redis+cluster:// or rpc://',
      );
  }
}
