/**
 * A broker URL with several hosts: kombu's `;`-separated list, the failover strategy, and
 * each host as the connection uses it (amqplib options and a masked URL for messages).
 */
import { parseAmqpUrl, toConnectOptions } from './amqp-url.js';
import type { AmqpUrl } from './amqp-url.js';
import type { BrokerHost } from './connect-attempt.js';
import { AmqpUrlError } from './errors.js';
import { isFailoverStrategy } from './failover.js';
import type { FailoverStrategy } from './failover.js';

/** What a (possibly multi-host) broker URL says. */
export interface BrokerUrl {
  /** Every host, in the URL's order. */
  readonly hosts: readonly AmqpUrl[];
  /** `?failover_strategy=` of the first entry, when given. */
  readonly failoverStrategy?: FailoverStrategy;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`: an entry that inherits the rest from the first. */
const SHORT_ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d+))?$/;

/**
 * Parse `amqp://u:p@h1:5672//;amqp://u:p@h2:5672//` (kombu's form) or
 * `amqp://u:p@h1:5672//;h2:5672;h3` (entries without a scheme reuse the first entry's
 * scheme, credentials, virtual host and parameters). Throws {@link AmqpUrlError}.
 */
export function parseBrokerUrl(url: string): BrokerUrl {
  const entries = url
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const [head, ...rest] = entries;
  if (head === undefined) throw new AmqpUrlError(url, 'no host');
  const first = parseAmqpUrl(head);
  const hosts: AmqpUrl[] = [first];
  for (const entry of rest) {
    if (/^[\w+.-]+:\/\//.test(entry)) {
      hosts.push(parseAmqpUrl(entry));
      continue;
    }
    const short = SHORT_ENTRY.exec(entry);
    if (short === null) {
      throw new AmqpUrlError(url, `${JSON.stringify(entry)} is neither a URL nor host[:port]`);
    }
    const hostname = short[1]!.replace(/^\[(.*)\]$/, '$1');
    hosts.push({
      ...first,
      hostname,
      port: short[2] === undefined ? first.port : Number(short[2]),
    });
  }
  const strategy = new URL(head).searchParams.get('failover_strategy');
  if (strategy === null) return { hosts };
  if (!isFailoverStrategy(strategy)) {
    throw new AmqpUrlError(
      url,
      `failover_strategy=${JSON.stringify(strategy)} is not round-robin or shuffle`,
    );
  }
  return { hosts, failoverStrategy: strategy };
}

/** One host's URL with the password masked: `amqp://guest:****@h1:5672//`. */
export function describeHost(host: AmqpUrl): string {
  const name = host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname;
  const vhost = host.vhost === '/' ? '/' : encodeURIComponent(host.vhost);
  return `${host.protocol}://${encodeURIComponent(host.username)}:****@${name}:${host.port}/${vhost}`;
}

/** The hosts of a parsed URL as the connection tries them. */
export function brokerHosts(url: BrokerUrl, heartbeatSeconds: number): BrokerHost[] {
  return url.hosts.map((host) => ({
    connect: toConnectOptions(host, host.heartbeatSeconds ?? heartbeatSeconds),
    describe: describeHost(host),
    ...(host.tls === undefined ? {} : { tls: host.tls }),
  }));
}
