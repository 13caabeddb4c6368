/**
 * The ioredis connections of a transport or result backend, and their first connect.
 *
 * `connect()` makes one attempt: a command connection is not retried by ioredis until it
 * was ready once (its retry strategy answers null before), so a failed attempt leaves
 * nothing running and the caller decides whether and when to try again (the worker
 * retries at start-up, as Celery does). Once up, ioredis reconnects it by itself with the
 * user's `retryStrategy` or a backoff to 2 s. Blocking and subscriber connections are made
 * once the command connection is up, and always retry.
 *
 * A `redis+cluster://` URL gives an ioredis `Cluster` (which follows MOVED and ASK
 * redirections, slot migrations and failovers); it answers the commands celeriac uses as
 * a single connection does, so it is used through the same type.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { ClosedError } from '@celeriac/protocol';
import { RedisConnectionError } from './errors.js';
import { describeConnectError } from './redis-tls.js';
import { RedisMode, ioredisOptions } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';

/** ioredis's own default: 50 ms more per attempt, at most 2 s. */
const defaultRetry = (times: number): number => Math.min(times * 50, 2000);

/** A Cluster client seeded with the URL's nodes; node connections get `options`. */
function clusterClient(
  settings: RedisConnectionSettings,
  options: RedisOptions,
  extra: Partial<ClusterOptions>,
): Redis {
  const { host, port, db, lazyConnect, enableAutoPipelining, ...node } = options;
  void host;
  void port;
  void db;
  void enableAutoPipelining;
  const cluster = new Cluster(settings.nodes ?? [{ host: settings.host, port: settings.port }], {
    lazyConnect: lazyConnect ?? true,
    // No auto-pipelining on a Cluster: ioredis follows a MOVED inside an automatic
    // pipeline only when every command of it was moved, so during a failover a result
    // store failed with "MOVED 4982 …" (seen in test/cluster/redis-cluster.test.ts).
    enableAutoPipelining: false,
    redisOptions: node,
    // A failover or migration answers CLUSTERDOWN / TRYAGAIN / MOVED for a while: wait it out.
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    retryDelayOnFailover: 200,
    maxRedirections: 64,
    slotsRefreshTimeout: 2000,
    ...extra,
  });
  // Same interface for every command celeriac sends (keys of one script share a slot).
  return cluster as unknown as Redis;
}

/** A command connection (auto-pipelined) that ioredis retries only after it was ready once. */
export function commandClient(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  name: string,
): Redis {
  let up = false;
  const retry = extra.retryStrategy ?? defaultRetry;
  const strategy = (times: number) => (up ? retry(times) : null);
  const options = ioredisOptions(settings, extra, name, false);
  const client =
    settings.mode === RedisMode.cluster
      ? clusterClient(settings, options, { clusterRetryStrategy: strategy })
      : new Redis({ ...options, retryStrategy: strategy });
  client.once('ready', () => (up = true));
  return client;
}

/** A blocking or subscriber connection: waits out any outage, connects in the background. */
export function blockingClient(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  name: string,
): Redis {
  const options = ioredisOptions(settings, extra, name, true);
  const client =
    settings.mode === RedisMode.cluster ? clusterClient(settings, options, {}) : new Redis(options);
  client.on('error', () => undefined);
  client.connect().catch(() => undefined);
  return client;
}

/**
 * Connect `client` once. Rejects with {@link RedisConnectionError} (one line: `url`, which
 * must be masked, and the cause) when the attempt fails, or with `ClosedError` naming
 * `owner` when `signal` aborts first (a close during the attempt); the client is then
 * disconnected. Logs nothing.
 */
export async function connectOnce(
  client: Redis,
  url: string,
  owner: string,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) {
    client.disconnect();
    throw new ClosedError(owner);
  }
  // ioredis may reject with a bare "Connection is closed." after emitting the real cause.
  let first: unknown;
  const onError = (error: unknown) => (first ??= error);
  client.on('error', onError);
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ClosedError(owner));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([client.connect(), aborted]);
  } catch (cause) {
    client.disconnect();
    if (signal.aborted) throw new ClosedError(owner);
    const reason = first ?? cause;
    throw new RedisConnectionError(url, describeConnectError(reason), { cause: reason });
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.off('error', onError);
  }
}
