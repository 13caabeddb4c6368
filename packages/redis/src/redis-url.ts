/**
 * Parsing of Redis URLs into connection settings, the way kombu and redis-py read them
 * (the path is the database number): `redis://` and `rediss://` (TLS, with kombu's
 * `ssl_*` query parameters), kombu's `sentinel://` lists, and celeriac's
 * `redis+cluster://` seed lists.
 */
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { TransportError } from '@celeriac/protocol';
import { parseTlsParams, tlsConnectionOptions } from './redis-tls.js';

/** How the URL reaches Redis. */
export const RedisMode = {
  /** One server (`redis://`, `rediss://`). */
  standalone: 'standalone',
  /** The master that Sentinels name (`sentinel://`, `sentinel+tls://`). */
  sentinel: 'sentinel',
  /** A Redis Cluster (`redis+cluster://`, `rediss+cluster://`). */
  cluster: 'cluster',
} as const;
/** One of {@link RedisMode}. */
export type RedisMode = (typeof RedisMode)[keyof typeof RedisMode];

/** One host of a URL list. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where and how to connect, read from a Redis URL. */
export interface RedisConnectionSettings {
  /** First host (standalone: the server; sentinel: the first Sentinel; cluster: the first seed). */
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** True for `rediss://`, `sentinel+tls://` and `rediss+cluster://`. */
  tls: boolean;
  /** Node TLS options built from the `ssl_*` query parameters (files already read). */
  tlsOptions?: ConnectionOptions;
  /** Standalone unless the scheme says otherwise. */
  mode?: RedisMode;
  /** Every Sentinel or every cluster seed, in URL order. */
  nodes?: RedisNode[];
  /** Sentinel's master name (`master_name`, kombu's option). */
  masterName?: string;
}

const SCHEMES: Record<string, { mode: RedisMode; tls: boolean; port: number }> = {
  'redis:': { mode: RedisMode.standalone, tls: false, port: 6379 },
  'rediss:': { mode: RedisMode.standalone, tls: true, port: 6379 },
  'sentinel:': { mode: RedisMode.sentinel, tls: false, port: 26379 },
  'sentinel+tls:': { mode: RedisMode.sentinel, tls: true, port: 26379 },
  'redis+cluster:': { mode: RedisMode.cluster, tls: false, port: 6379 },
  'rediss+cluster:': { mode: RedisMode.cluster, tls: true, port: 6379 },
};

function parseOne(text: string, original: string): URL {
  try {
    return new URL(text);
  } catch (cause) {
    throw new TransportError(`Invalid Redis URL ${JSON.stringify(maskRedisUrl(original))}`, {
      cause,
    });
  }
}

/**
 * Parse a Redis URL: `redis://[[user]:password@]host[:port][/db]`, `rediss://…?ssl_cert_reqs=
 * required&ssl_ca_certs=/ca.pem` (kombu's parameters), `sentinel://h1:26379;sentinel://
 * h2:26380/0?master_name=mymaster` (kombu's form) or `redis+cluster://h1:7000;h2:7001`
 * (also `,`-separated). Query parameters may sit on any `;` segment.
 *
 * @example
 * ```ts
 * parseRedisUrl('redis://:secret@127.0.0.1:6379/2'); // { host: '127.0.0.1', port: 6379, db: 2, password: 'secret', tls: false }
 * ```
 */
export function parseRedisUrl(url: string): RedisConnectionSettings {
  const where = maskRedisUrl(url);
  const first = /^([a-z][a-z0-9+.-]*:)/i.exec(url.trim())?.[1]?.toLowerCase() ?? '';
  const scheme = SCHEMES[first];
  if (!scheme) {
    throw new TransportError(
      `Unsupported Redis URL scheme ${JSON.stringify(first)} in ${where}: use redis://, ` +
        'rediss://, sentinel:// or redis+cluster://',
    );
  }
  const segments = url
    .trim()
    .split(scheme.mode === RedisMode.standalone ? /(?!)/ : /[;,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `${first}//${s}`))
    .map((s) => parseOne(s.replace(/^[a-z][a-z0-9+.-]*:/i, 'redis:'), url));
  const nodes = segments.map((u) => ({
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : scheme.port,
  }));
  const params = new URLSearchParams();
  let path = '';
  let auth: URL | undefined;
  for (const u of segments) {
    for (const [k, v] of u.searchParams) params.set(k, v);
    const p = u.pathname.replace(/^\/+/, '');
    if (p !== '') path = p;
    if (!auth && (u.username || u.password)) auth = u;
  }
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new TransportError(`Invalid Redis database ${JSON.stringify(path)} in ${where}`);
  }
  if (scheme.mode === RedisMode.cluster && db !== 0) {
    throw new TransportError(`Redis Cluster has only database 0, not ${db}, in ${where}`);
  }
  const settings: RedisConnectionSettings = {
    host: nodes[0]!.host,
    port: nodes[0]!.port,
    db,
    tls: scheme.tls,
  };
  if (scheme.mode !== RedisMode.standalone) {
    settings.mode = scheme.mode;
    settings.nodes = nodes;
  }
  if (scheme.mode === RedisMode.sentinel) {
    settings.masterName = params.get('master_name') ?? 'mymaster';
  }
  if (auth?.username) settings.username = decodeURIComponent(auth.username);
  if (auth?.password) settings.password = decodeURIComponent(auth.password);
  if (scheme.tls) settings.tlsOptions = tlsConnectionOptions(parseTlsParams(params, where), where);
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
 * others fail after ioredis's retries. For Sentinel, ioredis asks the Sentinels for the
 * master and asks again on every reconnect, so connections follow a failover.
 */
export function ioredisOptions(
  settings: RedisConnectionSettings,
  extra: RedisOptions,
  connectionName: string,
  blocking: boolean,
): RedisOptions {
  const tls = settings.tls ? { tls: settings.tlsOptions ?? {} } : {};
  const where =
    settings.mode === RedisMode.sentinel
      ? {
          sentinels: settings.nodes ?? [{ host: settings.host, port: settings.port }],
          name: settings.masterName ?? 'mymaster',
          // No `failoverDetector`: its disconnect during a reconnect attempt can end the
          // client for good (status "end", "Connection is closed."), seen under load. A
          // dead master closes the connection anyway, and a demoted one answers READONLY:
          // reconnect (asking the Sentinels again) and resend.
          reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
          ...(settings.tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls.tls } : {}),
        }
      : { host: settings.host, port: settings.port };
  return {
    ...where,
    db: settings.db,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...tls,
    lazyConnect: true,
    ...extra,
    connectionName,
    enableAutoPipelining: !blocking,
    ...(blocking ? { maxRetriesPerRequest: null } : {}),
  };
}
