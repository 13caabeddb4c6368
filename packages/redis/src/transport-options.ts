/**
 * Options of the Redis transport, named as kombu's `broker_transport_options` (in
 * camelCase) where kombu has them, so a celeriac worker and a Python worker sharing one
 * Redis can be given the same settings.
 */
import type { RedisOptions } from 'ioredis';
import { KOMBU_DEFAULTS } from './kombu-keys.js';

/** Exchanges Celery makes fanout on Redis even when nobody declared them here. */
export const CELERY_FANOUT_EXCHANGES: readonly string[] = ['celery.pidbox', 'celeryev'];

/** A message that could not be decoded; it is taken off the queue and not delivered. */
export interface MalformedMessage {
  queue: string;
  raw: string;
  error: Error;
}

/** Options of {@link createRedisTransport}. */
export interface RedisTransportOptions {
  /** Seconds a taken message may stay unacked before any worker restores it (3600). */
  visibilityTimeout?: number;
  /** Prefix of every key and fanout channel (kombu's `global_keyprefix`, default ""). */
  globalKeyprefix?: string;
  /** Priority buckets, each a list (`[0, 3, 6, 9]`). */
  prioritySteps?: readonly number[];
  /** Separator in list names and binding members (`"\x06\x16"`). */
  sep?: string;
  /** `true`: fanout channels start with `/<db>.`; a string: that prefix (true). */
  fanoutPrefix?: boolean | string;
  /** Routing keys take part in fanout channel names (true). */
  fanoutPatterns?: boolean;
  unackedKey?: string;
  unackedIndexKey?: string;
  unackedMutexKey?: string;
  /**
   * Seconds the restore lock lives at most (60; kombu 300). A process killed while holding
   * it stalls restores this long; celeriac's restore is safe without it (each message is
   * restored only if still held and expired), so a shorter lease costs nothing.
   */
  unackedMutexExpire?: number;
  /** At most this many expired messages restored per scan (default: all). */
  unackedRestoreLimit?: number;
  /** Seconds each blocking wait lasts before it is issued again (1). */
  pollTimeout?: number;
  /**
   * Milliseconds between scans for expired unacked messages while consuming; default
   * the smaller of 10 s and half the visibility timeout (kombu: about 100 s).
   */
  restoreIntervalMs?: number;
  /**
   * Milliseconds between renewals of every held delivery, so none is restored while its
   * holder lives; default a quarter of the visibility timeout, 0 to disable.
   */
  renewIntervalMs?: number;
  /** Most messages one take script pops (100); two takes may be in flight. */
  takeBatch?: number;
  /** Exchanges treated as fanout when not declared (Celery's `celery.pidbox`, `celeryev`). */
  fanoutExchanges?: readonly string[];
  /** Prefix of the CLIENT SETNAME of every connection (`celeriac`). */
  connectionName?: string;
  /** Extra ioredis options (timeouts, TLS details, retryStrategy…). */
  redis?: RedisOptions;
  /**
   * A publish resolves only once this many replicas have it (`WAIT` after the write),
   * else it rejects with a retryable `PublishError`: a failover (Sentinel) then cannot
   * lose a confirmed publish. Off by default (kombu does not wait); not on a Cluster,
   * where `WAIT` cannot be routed to the queue's master.
   */
  publishWaitReplicas?: { replicas: number; timeoutMs: number };
  /** Called for a message that cannot be decoded (default: a process warning). */
  onMalformedMessage?: (malformed: MalformedMessage) => void;
}

/** {@link RedisTransportOptions} with every default filled in. */
export interface ResolvedTransportOptions {
  visibilityTimeout: number;
  globalKeyprefix: string;
  prioritySteps: readonly number[];
  sep: string;
  fanoutPrefix: boolean | string;
  fanoutPatterns: boolean;
  unackedKey: string;
  unackedIndexKey: string;
  unackedMutexKey: string;
  unackedMutexExpire: number;
  unackedRestoreLimit: number;
  pollTimeout: number;
  restoreIntervalMs: number;
  renewIntervalMs: number;
  takeBatch: number;
  fanoutExchanges: readonly string[];
  connectionName: string;
  redis: RedisOptions;
  publishWaitReplicas: { replicas: number; timeoutMs: number } | undefined;
  onMalformedMessage: (malformed: MalformedMessage) => void;
}

/** Fill in kombu's defaults and celeriac's. */
export function resolveTransportOptions(options: RedisTransportOptions): ResolvedTransportOptions {
  const visibilityTimeout = options.visibilityTimeout ?? 3600;
  return {
    visibilityTimeout,
    globalKeyprefix: options.globalKeyprefix ?? '',
    prioritySteps: options.prioritySteps ?? KOMBU_DEFAULTS.prioritySteps,
    sep: options.sep ?? KOMBU_DEFAULTS.sep,
    fanoutPrefix: options.fanoutPrefix ?? true,
    fanoutPatterns: options.fanoutPatterns ?? true,
    unackedKey: options.unackedKey ?? KOMBU_DEFAULTS.unackedKey,
    unackedIndexKey: options.unackedIndexKey ?? KOMBU_DEFAULTS.unackedIndexKey,
    unackedMutexKey: options.unackedMutexKey ?? KOMBU_DEFAULTS.unackedMutexKey,
    unackedMutexExpire: options.unackedMutexExpire ?? 60,
    unackedRestoreLimit: options.unackedRestoreLimit ?? 0,
    pollTimeout: options.pollTimeout ?? 1,
    restoreIntervalMs:
      options.restoreIntervalMs ?? Math.min(10_000, (visibilityTimeout * 1000) / 2),
    renewIntervalMs: options.renewIntervalMs ?? (visibilityTimeout * 1000) / 4,
    takeBatch: options.takeBatch ?? 100,
    fanoutExchanges: options.fanoutExchanges ?? CELERY_FANOUT_EXCHANGES,
    connectionName: options.connectionName ?? 'celeriac',
    redis: options.redis ?? {},
    publishWaitReplicas: options.publishWaitReplicas,
    onMalformedMessage:
      options.onMalformedMessage ??
      ((m) =>
        process.emitWarning(
          `celeriac: dropped a malformed message from Redis queue ${JSON.stringify(m.queue)}: ${m.error.message}`,
          { code: 'CELERIAC_MALFORMED_MESSAGE' },
        )),
  };
}
