/**
 * The ioredis connections of a transport or result backend, and their first connect.
 *
 * `connect()` makes one attempt: a command connection is not retried by ioredis until it
 * was ready once (its retry strategy answers null before), so a failed attempt leaves
 * nothing running and the caller decides whether and when to try again (the worker
 * retries at start-up, as Celery does). Once up, ioredis reconnects it by itself with the
 * user's `retryStrategy` or a backoff to 2 s. Blocking and subscriber connections are made
 * once the command connection is up, and always retry.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { ClosedError } from '@celeriac/protocol';
import { RedisConnectionError } from './errors.js';
import { describeConnectError } from './redis-tls.js';
import { ioredisOptions } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';

/** ioredis's own default: 50 ms more per attempt, at most 2 s. */
const defaultRetry = (times: number): number => Math.min(times * 50, 2000);

/** A command connection (auto-pipelined) that ioredis retries only after it was ready once. */
export function commandClient(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  name: string,
): Redis {
  let up = false;
  const retry = extra.retryStrategy ?? defaultRetry;
  const client = new Redis({
    ...ioredisOptions(settings, extra, name, false),
    retryStrategy: (times) => (up ? retry(times) : null),
  });
  client.once('ready', () => (up = true));
  return client;
}

/** A blocking or subscriber connection: waits out any outage, connects in the background. */
export function blockingClient(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  name: string,
): Redis {
  const client = new Redis(ioredisOptions(settings, extra, name, true));
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
