/**
 * Parsing of `redis://` and `rediss://` URLs into connection settings, the way kombu and
 * redis-py read them: the path is the database number.
 */
import type { RedisOptions } from 'ioredis';
import { TransportError } from '@celeriac/protocol';

/** Where and how to connect, read from a Redis URL. */
export interface RedisConnectionSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** True for `rediss://`. */
  tls: boolean;
}

/**
 * Parse `redis://[[user]:password@]host[:port][/db]` or `rediss://…`.
 *
 * @example
 * ```ts
 * parseRedisUrl('redis://:secret@127.0.0.1:6379/2'); // { host: '127.0.0.1', port: 6379, db: 2, password: 'secret', tls: false }
 * ```
 */
export function parseRedisUrl(url: string): RedisConnectionSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TransportError(`Invalid Redis URL ${JSON.stringify(url)}`, { cause });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TransportError(
      `Unsupported Redis URL scheme ${JSON.stringify(parsed.protocol)}: use redis:// or rediss://`,
    );
  }
  const path = parsed.pathname.replace(/^\/+/, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new TransportError(`Invalid Redis database ${JSON.stringify(path)} in ${url}`);
  }
  const settings: RedisConnectionSettings = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    tls: parsed.protocol === 'rediss:',
  };
  if (parsed.username) settings.username = decodeURIComponent(parsed.username);
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  return settings;
}

/**
 * `url` with every password replaced by `***` (in each `;`-separated URL and in
 * `password`-like query parameters), for messages and logs.
 *
 * @example
 * ```ts
 * maskRedisUrl('redis://:secret@h:6379/0'); // 'redis://:***@h:6379/0'
 * ```
 */
export function maskRedisUrl(url: string): string {
  return url
    .replace(/(\/\/[^:@/;]*):[^@/;]*@/g, '$1:***@')
    .replace(/([?&][a-z_]*password=)[^&;]*/gi, '$1***');
}

/**
 * ioredis options for one connection: the URL's settings, then `extra`, then the
 * connection's name. Command connections auto-pipeline; blocking and subscriber
 * connections wait out any outage (`maxRetriesPerRequest: null`), while commands on the
 * others fail after ioredis's retries.
 */
export function ioredisOptions(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  connectionName: string,
  blocking: boolean,
): RedisOptions {
  return {
    host: settings.host,
    port: settings.port,
    db: settings.db,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.tls ? { tls: {} } : {}),
    lazyConnect: true,
    ...extra,
    connectionName,
    enableAutoPipelining: !blocking,
    ...(blocking ? { maxRetriesPerRequest: null } : {}),
  };
}
