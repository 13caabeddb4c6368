/**
 * Broker URLs as kombu reads them: `amqp://user:pass@host:port/vhost` and `amqps://…`
 * (`pyamqp://` is read as `amqp://`), and lists of them separated by `;` — kombu's form for
 * a cluster, `amqp://u:p@h1:5672//;amqp://u:p@h2:5672//`. An entry without a scheme
 * (`h2:5672`) takes everything but its host and port from the first entry.
 */
import type { Options } from 'amqplib';
import { AmqpUrlError } from './errors.js';
import { parseTlsParams } from './tls-params.js';
import type { UrlTls } from './tls-params.js';

/** What a broker URL says, decoded. */
export interface AmqpUrl {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  /** The decoded virtual host: `/` for `amqp://h`, `amqp://h/`, `amqp://h//` and `amqp://h/%2F`. */
  vhost: string;
  /** `?heartbeat=<seconds>` when given. */
  heartbeatSeconds?: number;
  /** `?frame_max=<bytes>` (or `frameMax`) when given. */
  frameMax?: number;
  /** TLS parameters (`ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs`…) when given. */
  tls?: UrlTls;
}

/** Schemes kombu accepts for RabbitMQ, and the protocol each means. */
const SCHEMES: Readonly<Record<string, 'amqp' | 'amqps' | undefined>> = {
  amqp: 'amqp',
  amqps: 'amqps',
  pyamqp: 'amqp',
  pyamqps: 'amqps',
};

function numberParam(
  params: URLSearchParams,
  names: readonly string[],
  url: string,
): number | undefined {
  for (const name of names) {
    const raw = params.get(name);
    if (raw === null) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new AmqpUrlError(url, `query parameter ${name}=${JSON.stringify(raw)} is not a number`);
    }
    return value;
  }
  return undefined;
}

/** The URL (every entry of a `;` list) with its passwords replaced by `****`, for logs and errors. */
export function redactUrl(url: string): string {
  return url
    .split(';')
    .map((entry) => entry.replace(/^(\s*[\w+.-]+:\/\/[^:/@]*:)[^@/]*@/, '$1****@'))
    .join(';');
}

/**
 * Parse a broker URL. The virtual host is the path without its first `/`,
 * percent-decoded, and `/` when empty — kombu's rule, so `amqp://h//` is vhost `/`.
 * User and password default to `guest`, ports to 5672 (`amqp`) and 5671 (`amqps`).
 */
export function parseAmqpUrl(url: string): AmqpUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AmqpUrlError(url, 'not a URL', { cause });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const protocol = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (protocol === undefined) {
    throw new AmqpUrlError(url, `scheme ${JSON.stringify(scheme)} is not amqp or amqps`);
  }
  // WHATWG URL keeps `//` paths as they are; everything after the first `/` is the vhost.
  const path = parsed.pathname.startsWith('/') ? parsed.pathname.slice(1) : parsed.pathname;
  let vhost: string;
  try {
    vhost = path === '' ? '/' : decodeURIComponent(path);
  } catch (cause) {
    throw new AmqpUrlError(
      url,
      `virtual host ${JSON.stringify(path)} is not percent-encoded correctly`,
      {
        cause,
      },
    );
  }
  const { tls, sslRequested } = parseTlsParams(parsed.searchParams, url);
  const secure = protocol === 'amqps' || sslRequested;
  if (!secure && tls !== undefined) {
    throw new AmqpUrlError(url, 'ssl_* parameters need an amqps:// URL (or ?ssl=true)');
  }
  const result: AmqpUrl = {
    protocol: secure ? 'amqps' : 'amqp',
    hostname: (parsed.hostname || 'localhost').replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 5671 : 5672,
    username: parsed.username ? decodeURIComponent(parsed.username) : 'guest',
    password: parsed.password ? decodeURIComponent(parsed.password) : 'guest',
    vhost,
  };
  const heartbeat = numberParam(parsed.searchParams, ['heartbeat'], url);
  if (heartbeat !== undefined) result.heartbeatSeconds = heartbeat;
  const frameMax = numberParam(parsed.searchParams, ['frame_max', 'frameMax'], url);
  if (frameMax !== undefined) result.frameMax = frameMax;
  if (tls !== undefined) result.tls = tls;
  return result;
}

/** amqplib's connect options for a parsed URL. */
export function toConnectOptions(url: AmqpUrl, heartbeatSeconds: number): Options.Connect {
  const options: Options.Connect = {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    username: url.username,
    password: url.password,
    vhost: url.vhost,
    heartbeat: heartbeatSeconds,
  };
  if (url.frameMax !== undefined) options.frameMax = url.frameMax;
  return options;
}
